// The context behind each Repository object, for internal code that works across two repositories (copy) without
// making the context public.
import type { RegistryContext } from "./context.js";

const contexts = new WeakMap<object, RegistryContext>();

export function registerContext(owner: object, context: RegistryContext): void {
  contexts.set(owner, context);
}

export function contextOf(owner: object): RegistryContext {
  const context = contexts.get(owner);
  if (!context) throw new Error("not a toci Repository");
  return context;
}
