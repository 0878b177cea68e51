// An optional ability of an Ingest (the Store contract, docs/architecture.md §2): taking a response body whole,
// rather than chunk by chunk. A store that writes elsewhere than the caller's thread (the OPFS store's worker) reads
// the body there, or into buffers it then moves there, so that the bytes cost the caller's thread no copy of its own
// and no call per chunk. The client uses it when present and writes chunks otherwise; verification stays commit's.
import type { Ingest } from "./store.js";

/** Options for {@link BodyWriter.writeBody}. */
export interface WriteBodyOptions {
  /** Hears the ingest's offset as the body's bytes are written (at least at the end). @default none */
  progress?(offset: number): void;
}

/**
 * Optional ability of an {@link Ingest}: appends everything `body` holds, as `write` would chunk by chunk (throws
 * `SIZE_MISMATCH` past the descriptor's size and cancels the body), and resolves once all of it is written. A body
 * that fails fails the promise with its error; what was written until then stays, as after a failed `write`
 * (`close` keeps it for a resumed ingest, `abort` drops it). `commit` still verifies size and digest.
 */
export interface BodyWriter {
  writeBody(body: ReadableStream<Uint8Array>, options?: WriteBodyOptions): Promise<void>;
}

/** Whether an ingest takes a body whole. */
export function isBodyWriter(ingest: Ingest): ingest is Ingest & BodyWriter {
  return typeof (ingest as Partial<BodyWriter>).writeBody === "function";
}
