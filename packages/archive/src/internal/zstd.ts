// zstd layers (RFC 8878) through fzstd, a pure-JS decoder (~8 KB). This module is loaded only when a zstd stream is
// met (decompress.ts imports it dynamically), so that it and fzstd cost nothing in a bundle that never sees one.
// fzstd allocates whatever window a frame header asks for (up to 2 GiB) and copies it for every block, so each
// frame header is read here first and a window over the cap is refused before fzstd sees the frame: the frames are
// walked (header, block headers, checksum) as the bytes go by.
import { OciError } from "@toci/spec-types";
import { Decompress } from "fzstd";
import { invalid, tooLarge } from "./errors.js";

type Step = { need: number; next: (bytes: Uint8Array) => Step } | { skip: number; next: () => Step };

/** A TransformStream that decompresses zstd, refusing frames whose window is over `maxWindowBytes`. */
export function zstdDecoder(maxWindowBytes: number): TransformStream<Uint8Array, Uint8Array> {
  const walk = frameWalker(maxWindowBytes);
  let decoder: { push(chunk: Uint8Array, final?: boolean): unknown } | undefined;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      decoder = new Decompress((chunk) => {
        if (chunk.byteLength > 0) controller.enqueue(chunk);
      });
    },
    transform(chunk) {
      walk(chunk);
      push(decoder!, chunk, false);
    },
    flush() {
      push(decoder!, new Uint8Array(0), true);
    },
  });
}

function push(decoder: { push(chunk: Uint8Array, final?: boolean): unknown }, chunk: Uint8Array, final: boolean): void {
  try {
    decoder.push(chunk, final);
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `corrupt zstd data: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** Walks zstd frames across chunk boundaries, checking each frame's window size as its header goes by. */
function frameWalker(maxWindowBytes: number): (chunk: Uint8Array) => void {
  const frame = (): Step => ({
    need: 4,
    next: (magic) => {
      const m = (magic[0]! | (magic[1]! << 8) | (magic[2]! << 16) | (magic[3]! << 24)) >>> 0;
      if (m === 0xfd2fb528) return { need: 1, next: ([fhd]) => frameHeader(fhd!) };
      if (m >>> 4 === 0x184d2a5) return { need: 4, next: (n) => ({ skip: le(n), next: frame }) }; // skippable frame
      throw invalid("not zstd data (bad frame magic)");
    },
  });
  const frameHeader = (fhd: number): Step => {
    const single = (fhd >> 5) & 1;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6]!;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const checksum = (fhd >> 2) & 1;
    if (fhd & 8) throw invalid("corrupt zstd frame header (reserved bit set)");
    return {
      need: 1 - single + dictBytes + fcsBytes,
      next: (rest) => {
        let window: number;
        if (single) window = le(rest.subarray(dictBytes)) + (fcsBytes === 2 ? 256 : 0);
        else {
          const exponent = 10 + (rest[0]! >> 3);
          window = 2 ** exponent + (2 ** exponent / 8) * (rest[0]! & 7);
        }
        if (window > maxWindowBytes) throw tooLarge(`a zstd frame's ${window}-byte window`, maxWindowBytes);
        return block(checksum);
      },
    };
  };
  const block = (checksum: number): Step => ({
    need: 3,
    next: ([a, b, c]) => {
      const header = a! | (b! << 8) | (c! << 16);
      const type = (header >> 1) & 3;
      if (type === 3) throw invalid("corrupt zstd block (reserved type)");
      const next = header & 1 ? (checksum ? { skip: 4, next: frame } : frame()) : block(checksum);
      return { skip: type === 1 ? 1 : header >>> 3, next: () => next };
    },
  });
  return stepper(frame());
}

/** Feeds chunks to a chain of steps: each needs some bytes (gathered across chunks) or skips some. */
function stepper(first: Step): (chunk: Uint8Array) => void {
  let step = first;
  let gathered = new Uint8Array(0);
  return (chunk) => {
    let at = 0;
    while (at < chunk.length || ("skip" in step && step.skip === 0)) {
      if ("skip" in step) {
        const n = Math.min(step.skip, chunk.length - at);
        at += n;
        if (step.skip - n > 0) step = { skip: step.skip - n, next: step.next };
        else step = step.next();
        continue;
      }
      const n = Math.min(step.need - gathered.length, chunk.length - at);
      const next = new Uint8Array(gathered.length + n);
      next.set(gathered);
      next.set(chunk.subarray(at, at + n), gathered.length);
      gathered = next;
      at += n;
      if (gathered.length === step.need) {
        const bytes = gathered;
        gathered = new Uint8Array(0);
        step = step.next(bytes);
      }
    }
  };
}

/** A little-endian unsigned integer of up to 8 bytes (as a Number: exact enough to compare with a cap). */
function le(bytes: Uint8Array): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
  return value;
}
