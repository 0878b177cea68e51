// Listening to a caller's AbortSignal from many requests at once. A pull shares one signal between all its requests
// and bodies, and one listener each would pass Node's limit of 10 (MaxListenersExceededWarning). A follower signal
// per request (`AbortSignal.any([signal])`) avoids that but costs ~20 µs per call on Node 20 (a WeakRef and a
// finalization registration each): a tenth of a metadata request's CPU. So a signal gets one listener of ours while
// callbacks are registered on it, which calls them. The listener goes with the last callback: Node 20 holds a
// follower signal (AbortSignal.any's, as the client's operations have) strongly while it has listeners.

interface Registered {
  callbacks: Set<() => void>;
  listener: () => void;
}

const registry = new WeakMap<AbortSignal, Registered>();

/** Calls `onAbort` once when `signal` aborts, until the returned function is called (which is idempotent). */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  let entry = registry.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      registry.delete(signal);
      for (const callback of callbacks) callback();
      callbacks.clear();
    };
    entry = { callbacks, listener };
    registry.set(signal, entry);
    signal.addEventListener("abort", listener, { once: true });
  }
  const { callbacks, listener } = entry;
  const once = () => onAbort();
  callbacks.add(once);
  return () => {
    if (!callbacks.delete(once) || callbacks.size > 0) return;
    registry.delete(signal);
    signal.removeEventListener("abort", listener);
  };
}
