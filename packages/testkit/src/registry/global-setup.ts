// Registries for a whole vitest run: a `globalSetup` function that starts them once, hands their info to test
// files through `provide` (read with `inject(key)`), and stops them at the end. Typed without importing vitest.
import { type RegistryInfo, type RunningRegistry, type StartRegistryOptions, startRegistry } from "./start-registry.js";

/** The key test files `inject` to get the registries: `Record<name, RegistryInfo>`. */
export const REGISTRIES_KEY = "toci:registries";

/** The part of vitest's globalSetup context this uses. */
export interface ProvideContext {
  provide(key: string, value: unknown): void;
}

/**
 * A vitest `globalSetup` starting one registry per entry of `modes` (in parallel):
 *
 * ```ts
 * // test/global-setup.ts
 * export default registryGlobalSetup({ plain: {}, token: { auth: "token" } });
 * // in a test file
 * const { plain } = inject("toci:registries") as Record<string, RegistryInfo>;
 * ```
 */
export function registryGlobalSetup(
  modes: Record<string, StartRegistryOptions>,
): (context: ProvideContext) => Promise<() => Promise<void>> {
  return async (context) => {
    const started: RunningRegistry[] = [];
    const entries = Object.entries(modes);
    try {
      const registries = await Promise.all(
        entries.map(async ([, options]) => {
          const registry = await startRegistry(options);
          started.push(registry);
          return registry;
        }),
      );
      const info: Record<string, RegistryInfo> = {};
      entries.forEach(([name], i) => {
        info[name] = registries[i]!.info;
      });
      context.provide(REGISTRIES_KEY, info);
    } catch (error) {
      await Promise.all(started.map((r) => r.stop()));
      throw error;
    }
    return async () => {
      await Promise.all(started.map((r) => r.stop()));
    };
  };
}
