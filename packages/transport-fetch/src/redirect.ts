// Where redirects are followed. Outside browsers the transport follows them itself (`redirect: "manual"`), by
// spec-types' redirect-policy (credentials dropped across origins, no https → http, hops counted), instead of
// trusting fetch to: what a redirect does to credentials then does not depend on the runtime's undici version or
// on a user-supplied fetch. In browsers fetch must follow them (below).

/** `"manual"`: the transport follows redirects; `"follow"`: fetch does (browsers). */
export type RedirectMode = "manual" | "follow";

/**
 * Where `redirect: "manual"` works. In a browser (a window or any worker) it returns an opaque response with
 * status 0 and no `Location`, so fetch must follow redirects itself; there the browser drops `Authorization`
 * across origins. Looks at the given global object only, so it can be tested with a fake one and needs no Node
 * global to decide.
 */
export function detectRedirectMode(global: object): RedirectMode {
  return isBrowserGlobal(global) ? "follow" : "manual";
}

/** Whether a global object is a browser's: a window (a DOM `document`) or any worker (`WorkerGlobalScope`). */
export function isBrowserGlobal(global: object): boolean {
  const g = global as { document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.document === "object" || typeof g.WorkerGlobalScope === "function";
}
