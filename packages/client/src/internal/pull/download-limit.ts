// How many blobs a pull downloads at once when the caller did not say: chosen by what is pulled. Big blobs are
// bound by bandwidth, disk and memory: four streams saturate a loopback link, and every one more holds buffers
// and adds seeks. Small blobs are bound by round trips and the registry's time per request: more in flight hide
// them. So at most 4 big blobs run at once, and up to 16 blobs in all, small ones filling the slots the big ones
// leave (docs/architecture.md §6 item 1 has the figures). An explicit `concurrency` replaces both.
import type { Descriptor } from "@toci/spec-types";
import { type Limit, limiter } from "../limiter.js";

/** A blob this large is streamed for long enough that bandwidth, not round trips, bounds it. */
export const BIG_BLOB = 16 * 1024 * 1024;
/** Big blobs in flight at once. */
export const BIG_AT_ONCE = 4;
/** Blobs in flight at once in all (the transports' default connection pool per registry is 16 too). */
export const ALL_AT_ONCE = 16;

/** The limit a pull's blob downloads run under: `concurrency` when given, else chosen per blob size. */
export function downloadLimit(concurrency: number | undefined): (blob: Descriptor) => Limit {
  if (concurrency !== undefined) {
    const limit = limiter(concurrency);
    return () => limit;
  }
  const all = limiter(ALL_AT_ONCE);
  const big = limiter(BIG_AT_ONCE);
  // A big blob waits for a big slot before it takes one of all: waiting, it holds none that a small one could use.
  const bigThenAll: Limit = (task) => big(() => all(task));
  return (blob) => (blob.size >= BIG_BLOB ? bigThenAll : all);
}
