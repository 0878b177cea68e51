// Waiting under an AbortSignal without leaking: every wait listens on a follower of the shared signal (Node warns
// past 10 listeners on one AbortSignal, and every blob in flight shares the transfer's), and removes its listener
// when it ends (Node holds a follower with an abort listener strongly until it aborts, so a listener left behind
// leaks it and everything it reaches).
import { isOciError, OciError } from "@toci/spec-types";

/** The OciError of an aborted signal: its reason when that is one (a failure that stopped the rest), else ABORTED. */
export function abortError(signal: AbortSignal): OciError {
  const reason: unknown = signal.reason;
  return isOciError(reason) ? reason : new OciError("ABORTED", "the transfer was aborted", { cause: reason });
}

/** Waits `ms`; rejects with {@link abortError} as soon as `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  const follower = AbortSignal.any([signal]);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(follower));
    };
    const timer = setTimeout(() => {
      follower.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    follower.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A signal that follows `signal`, but `graceMs` late. Requests that should rather complete than leave a session
 * broken (a PATCH) use it; the caller checks the real signal after each of them. `release()` when the work is over:
 * until then the follower below is kept alive by Node (a composite signal with an abort listener is held strongly
 * until it aborts or the listener goes), and with it everything its listener reaches — ~1.2 KiB and the upload's
 * signal per push, forever, before `release` existed (the soak's heap diff: one `fire` closure per push).
 */
export function graceful(signal: AbortSignal, graceMs: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = setTimeout(() => controller.abort(signal.reason), graceMs);
    // Do not keep a process alive for the grace period alone.
    (timer as { unref?: () => void }).unref?.();
  };
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, release() {} };
  }
  const follower = AbortSignal.any([signal]);
  follower.addEventListener("abort", fire, { once: true });
  return {
    signal: controller.signal,
    release() {
      follower.removeEventListener("abort", fire);
      // The work is over: nothing is left for a late abort to let finish.
      clearTimeout(timer);
    },
  };
}
