// The event stream of a transfer (pull, push, copy): an AsyncIterable that starts its work when iteration starts,
// conflates progress (a slow consumer sees the latest state, not a backlog), keeps percent and bytes monotonic,
// holds `progress 100` back until the work has really finished (koci could send it before index.json was written),
// and ends with exactly one terminal event. Leaving the loop early cancels the work.
import {
  type Descriptor,
  isOciError,
  OciError,
  type OciErrorCode,
  type TransferEvent,
  toOciError,
} from "@toci/spec-types";
import type { Logger } from "../logger.js";

/** What a transfer's work reports through. */
export interface TransferReporter {
  /** Adds to the bytes expected. */
  addTotal(bytes: number): void;
  /** Adds to the bytes done (transferred, or found already present). */
  addDone(bytes: number): void;
  /** Adds to the bytes that crossed the network (again when re-sent), for `transferredBytes`. */
  addTransferred(bytes: number): void;
  /** Cancelled when the consumer stops iterating, the caller's signal fires, or the work fails. */
  readonly signal: AbortSignal;
}

/** The work of a transfer, reporting through its reporter; resolves the root it moved (the last event carries it). */
export type Work = (reporter: TransferReporter) => Promise<Descriptor | undefined> | Promise<void>;

/** The caller's per-blob callback (`onBlob` of pull, push and copy), when it gave one. */
export type OnBlob = ((descriptor: Descriptor, bytes: number) => void) | undefined;

/** How one blob's download or upload reports. */
export interface BlobReport {
  /** Bytes of this blob held at the receiving end (or on their way), which may go back when a transfer restarts. */
  at(bytes: number): void;
  /** Bytes of this blob that just crossed the network: received, or handed to the transport (again when re-sent). */
  moved(bytes: number): void;
}

/**
 * A blob's report into its transfer: `at` adds only forward movement to the transfer's done bytes (a registry
 * ignoring Range or an upload resynchronising makes it go back), `moved` counts every byte sent or received. With
 * `onBlob`, the caller also hears how far this blob is (for one progress bar per blob).
 */
export function blobReport(reporter: TransferReporter, onBlob?: OnBlob, blob?: Descriptor): BlobReport {
  let counted = 0;
  return {
    at(bytes) {
      if (bytes > counted) {
        reporter.addDone(bytes - counted);
        counted = bytes;
      }
      if (blob) notifyBlob(onBlob, blob, counted);
    },
    moved: (bytes) => reporter.addTransferred(bytes),
  };
}

/** A report for a blob sent again outside the progress (a repair): only its network bytes count. */
export function movedOnly(reporter: TransferReporter): BlobReport {
  return { at() {}, moved: (bytes) => reporter.addTransferred(bytes) };
}

/** Tells the caller how far one blob is, swallowing what its callback throws (a display's failure is not ours). */
export function notifyBlob(onBlob: OnBlob, blob: Descriptor, bytes: number): void {
  if (!onBlob) return;
  try {
    onBlob(blob, bytes);
  } catch {
    // ignored: see above
  }
}

/** Wraps a unit of work as a TransferEvent stream. */
export function transfer(
  work: Work,
  options: { signal?: AbortSignal; logger: Logger; what: string; failCode?: OciErrorCode },
): AsyncIterable<TransferEvent> {
  return {
    [Symbol.asyncIterator]() {
      return new TransferIterator(work, options);
    },
  };
}

class TransferIterator implements AsyncIterator<TransferEvent> {
  #done = 0;
  #total = 0;
  #transferred = 0;
  #lastPercent = -1;
  #lastBytes = -1;
  #lastTotal = -1;
  #lastTransferred = -1;
  #terminal: TransferEvent | undefined;
  #finished = false;
  #started = false;
  #wake: (() => void) | undefined;
  #unlisten: (() => void) | undefined;
  readonly #controller = new AbortController();
  readonly #work: Work;
  readonly #options: { signal?: AbortSignal; logger: Logger; what: string; failCode?: OciErrorCode };

  constructor(work: Work, options: { signal?: AbortSignal; logger: Logger; what: string; failCode?: OciErrorCode }) {
    this.#work = work;
    this.#options = options;
  }

  #start(): void {
    this.#started = true;
    const { signal } = this.#options;
    const controller = this.#controller;
    if (signal?.aborted) controller.abort(signal.reason);
    else if (signal) {
      // Removed when the work settles: a caller's signal often outlives many transfers (the CLI's Ctrl-C one), and
      // a listener left on it would keep each finished transfer reachable for as long as the signal lives.
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlisten = () => signal.removeEventListener("abort", onAbort);
    }
    const reporter: TransferReporter = {
      addTotal: (bytes) => {
        this.#total += bytes;
        this.#notify();
      },
      addDone: (bytes) => {
        this.#done += bytes;
        this.#notify();
      },
      addTransferred: (bytes) => {
        this.#transferred += bytes;
        this.#notify();
      },
      signal: controller.signal,
    };
    const run = async () => {
      if (controller.signal.aborted) throw aborted();
      const root = await this.#work(reporter);
      if (controller.signal.aborted) throw aborted();
      return root;
    };
    run().then(
      (root) =>
        this.#end({
          type: "progress",
          percent: 100,
          bytes: this.#total,
          totalBytes: this.#total,
          transferredBytes: this.#transferred,
          ...(root ? { root } : {}),
        }),
      (error: unknown) => {
        const e =
          controller.signal.aborted && !isTerminalError(error)
            ? aborted()
            : toOciError(error, this.#options.failCode ?? "NETWORK");
        this.#options.logger.error(`${this.#options.what} failed: ${e.message}`, { error: e });
        controller.abort(e);
        this.#end({ type: "failed", error: e });
      },
    );
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #end(event: TransferEvent): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
    if (this.#terminal) return;
    this.#terminal = event;
    this.#notify();
  }

  /** The next progress snapshot if it differs from the last one sent. */
  #snapshot(): TransferEvent | undefined {
    const total = Math.max(this.#total, this.#done);
    const bytes = Math.max(this.#done, this.#lastBytes);
    const raw = total === 0 ? 0 : Math.floor((bytes * 100) / total);
    // 100 is the success terminal only; before it the percentage stops at 99.
    const percent = Math.max(this.#lastPercent, Math.min(99, raw));
    const transferredBytes = this.#transferred;
    if (
      percent === this.#lastPercent &&
      bytes === this.#lastBytes &&
      total === this.#lastTotal &&
      transferredBytes === this.#lastTransferred
    ) {
      return undefined;
    }
    this.#lastPercent = percent;
    this.#lastBytes = bytes;
    this.#lastTotal = total;
    this.#lastTransferred = transferredBytes;
    return { type: "progress", percent, bytes, totalBytes: total, transferredBytes };
  }

  async next(): Promise<IteratorResult<TransferEvent>> {
    if (!this.#started) this.#start();
    for (;;) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#terminal) {
        this.#finished = true;
        return { done: false, value: this.#terminal };
      }
      const event = this.#snapshot();
      if (event) return { done: false, value: event };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<TransferEvent>> {
    // The consumer left the loop: cancel the work; it closes its partial writes so a rerun can resume them.
    if (!this.#terminal) this.#controller.abort(aborted());
    this.#finished = true;
    return { done: true, value: undefined };
  }
}

function aborted(): OciError {
  return new OciError("ABORTED", "the transfer was aborted");
}

/** An error that says more than "aborted" (a digest mismatch that made us abort the rest, say). */
function isTerminalError(error: unknown): boolean {
  return isOciError(error) && error.code !== "ABORTED";
}
