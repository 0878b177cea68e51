// Node's fetch (undici) closes the connection after every HEAD, on purpose: "Close after a HEAD request to interop
// with misbehaving servers that may send a body in the response" (undici lib/dispatcher/client-h1.js, issue #258).
// A registry client HEADs constantly (resolve, exists, skip-what-is-there on push), so each HEAD paid a new TCP
// handshake, and a TLS one against a real registry: measured here, 200 HEADs opened 199 connections, 2.7 ms each,
// against 2 connections and 1.2 ms with keep-alive. Registries are Go net/http servers, which never send a body
// on HEAD, so the interop concern does not apply to them.
//
// undici honours a per-request `reset` dispatch option after its HEAD rule, and fetch takes a `dispatcher`. So
// for a HEAD the transport hands fetch a one-method dispatcher that forwards to undici's global dispatcher with
// `reset: false`. The global dispatcher is found through the symbol undici keeps it under for every copy and
// version ("undici.globalDispatcher.1", what `setGlobalDispatcher` writes), so a proxy agent set there is kept.
// Anywhere else (browsers, Deno, Bun, Node before its first fetch) the symbol is absent and nothing changes.

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** The one method of an undici Dispatcher that fetch calls. */
interface Dispatcher {
  dispatch(options: Record<string, unknown>, handler: unknown): boolean;
}

let cached: { global: Dispatcher; keepAlive: Dispatcher } | undefined;

/**
 * A dispatcher for HEAD requests that keeps the connection open, or undefined where fetch is not undici's.
 * Looked up on every call (a property read): Node installs its global dispatcher on the first fetch, and a
 * program may replace it with `setGlobalDispatcher` at any time.
 */
export function keepAliveHeadDispatcher(global: object = globalThis): Dispatcher | undefined {
  const current = (global as Record<symbol, unknown>)[GLOBAL_DISPATCHER] as Dispatcher | undefined;
  if (typeof current?.dispatch !== "function") return undefined;
  if (cached?.global !== current) {
    cached = {
      global: current,
      keepAlive: { dispatch: (options, handler) => current.dispatch({ ...options, reset: false }, handler) },
    };
  }
  return cached.keepAlive;
}
