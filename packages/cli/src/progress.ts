// Live progress of a pull, push or copy. On a terminal: one bar per blob (from the client's `onBlob`) and a total
// with bytes, rate and ETA (from its TransferEvents), drawn by cli-progress's MultiBar on stderr. Elsewhere:
// nothing while it runs, then one line per result. The summary (digest, size, time) is printed by the command.
import type { Descriptor, TransferEvent } from "@toci/spec-types";
import type { MultiBar, SingleBar } from "cli-progress";
import { formatBytes, formatDuration, type Output, shortDigest } from "./output.js";

/** Blobs that keep their bar once done; past this, finished bars are removed to keep the screen short. */
const MAX_DONE_BARS = 8;
const BAR_WIDTH = 20;

interface Payload {
  label: string;
  rate?: string;
  eta?: string;
}

export class TransferView {
  readonly started = Date.now();
  /** The last event's byte counts, for the summary. */
  bytes = 0;
  totalBytes = 0;
  /** Bytes that crossed the network (what was already there, or resumed, is not counted). */
  transferredBytes = 0;
  #multibar: MultiBar | undefined;
  #total: SingleBar | undefined;
  readonly #blobs = new Map<string, { bar: SingleBar; done: boolean }>();
  #doneBars = 0;
  #blobCount = 0;
  #blobsDone = 0;
  readonly #verb: string;

  private constructor(verb: string) {
    this.#verb = verb;
  }

  /** A view for one transfer; bars only when the output wants them. */
  static async open(out: Output, verb: string): Promise<TransferView> {
    const view = new TransferView(verb);
    if (out.bars) {
      const { default: cliProgress } = await import("cli-progress");
      view.#multibar = new cliProgress.MultiBar({
        stream: process.stderr,
        format: (_options, params, payload: Payload) => line(params.progress, params.value, params.total, payload),
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 1000,
        fps: 10,
        emptyOnZero: true,
        forceRedraw: true,
      });
      view.#total = view.#multibar.create(0, 0, { label: `${verb} (0/0 blobs)` });
    }
    return view;
  }

  /** The client's per-blob callback. */
  readonly onBlob = (descriptor: Descriptor, bytes: number): void => {
    const multibar = this.#multibar;
    if (!multibar) return;
    let entry = this.#blobs.get(descriptor.digest);
    if (!entry) {
      this.#blobCount++;
      const bar = multibar.create(descriptor.size, 0, {
        label: `${kindOf(descriptor)} ${shortDigest(descriptor.digest, 8)}`,
      });
      entry = { bar, done: false };
      this.#blobs.set(descriptor.digest, entry);
    }
    if (entry.done) return;
    entry.bar.update(Math.min(bytes, descriptor.size));
    if (bytes >= descriptor.size) {
      entry.done = true;
      this.#blobsDone++;
      this.#doneBars++;
      if (this.#doneBars > MAX_DONE_BARS) {
        multibar.remove(entry.bar);
        this.#doneBars--;
      }
    }
    this.#updateTotal();
  };

  /** A TransferEvent from the client. */
  event(event: TransferEvent): void {
    if (event.type !== "progress") return;
    this.bytes = event.bytes;
    this.totalBytes = event.totalBytes;
    this.transferredBytes = event.transferredBytes ?? this.transferredBytes;
    this.#updateTotal();
  }

  #updateTotal(): void {
    const total = this.#total;
    if (!total) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0.2 ? this.bytes / elapsed : 0;
    const left = this.totalBytes - this.bytes;
    total.setTotal(Math.max(this.totalBytes, 1));
    total.update(this.bytes, {
      label: `${this.#verb} (${this.#blobsDone}/${this.#blobCount} blobs)`,
      rate: rate > 0 ? `${formatBytes(rate)}/s` : "",
      eta: rate > 0 && left > 0 ? `ETA ${formatDuration((left / rate) * 1000)}` : "",
    });
  }

  /** Stops drawing (the bars stay on screen). */
  stop(): void {
    if (!this.#multibar) return;
    this.#updateTotal();
    this.#multibar.stop();
    this.#multibar = undefined;
  }

  /** Milliseconds since the transfer started. */
  get elapsed(): number {
    return Date.now() - this.started;
  }
}

function line(progress: number, value: number, total: number, payload: Payload): string {
  const p = Number.isFinite(progress) ? Math.max(0, Math.min(1, progress)) : 0;
  const filled = Math.round(p * BAR_WIDTH);
  const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
  const tail = [payload.rate, payload.eta].filter(Boolean).join(" | ");
  return `${payload.label.padEnd(22)} ${bar} ${String(Math.floor(p * 100)).padStart(3)}% | ${formatBytes(value)} / ${formatBytes(total)}${tail ? ` | ${tail}` : ""}`;
}

function kindOf(descriptor: Descriptor): string {
  const type = descriptor.mediaType;
  if (/config/.test(type)) return "config";
  if (/layer|tar|rootfs/.test(type)) return "layer";
  return "blob";
}
