// Layers and archives arrive compressed or not; what they are is told by their first bytes, as containerd does
// (compression.DetectCompression), because media types lie (a `+gzip` layer that is a plain tar exists in the wild)
// and oras directories may carry any media type. The media type is still read for what bytes cannot tell:
// encrypted layers.
import { OciError, toOciError } from "@toci/spec-types";
import { asInvalid } from "./internal/errors.js";
import { type Pump, pump } from "./internal/pump.js";
import { type ArchiveLimits, limitsOf } from "./limits.js";

/** Bytes out before the expansion ratio is checked: small, very compressible layers (text, zeros) always pass. */
const RATIO_GRACE = 64 * 1024 * 1024;

/** What a stream's first bytes say it is. */
export type Compression = "gzip" | "zstd" | "none";

/** The compression of bytes starting with `head` (at least 6 bytes, fewer only for a shorter stream). */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) {
    throw new OciError("UNSUPPORTED", "xz-compressed content is not supported (OCI layers are tar, gzip or zstd)");
  }
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    throw new OciError("UNSUPPORTED", "bzip2-compressed content is not supported (OCI layers are tar, gzip or zstd)");
  }
  return "none";
}

/**
 * The uncompressed bytes of a stream that may be gzip, zstd or plain, as its first bytes say. Caps the expansion
 * ratio; errors of the source (a DIGEST_MISMATCH from a verifying store) come out as they are, corrupt compressed
 * data as INVALID_ARGUMENT.
 */
export function decompress(
  stream: ReadableStream<Uint8Array>,
  mediaType: string,
  options: ArchiveLimits = {},
): ReadableStream<Uint8Array> {
  const limits = limitsOf(options);
  if (/\+encrypted$/.test(mediaType)) {
    throw new OciError("UNSUPPORTED", `encrypted layers (${mediaType}) are not supported: decrypt them first`);
  }
  const reader = stream.getReader();
  let head: Uint8Array | undefined = new Uint8Array(0);
  let sourceError: unknown;
  let compressedBytes = 0;
  let plainBytes = 0;
  const fail = (error: unknown) =>
    sourceError === undefined ? asInvalid(error, "corrupt compressed data") : toOciError(sourceError, "STORE");
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (head) {
          controller.enqueue(head);
          head = undefined;
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else {
          compressedBytes += value.byteLength;
          controller.enqueue(value);
        }
      } catch (error) {
        sourceError = error;
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  let output: Pump | ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async start() {
      head = await peek(reader, 6).catch((error) => {
        sourceError = error;
        throw fail(error);
      });
      compressedBytes = head.byteLength;
      const kind = compressionOf(head);
      if (kind === "none") output = source.getReader();
      else {
        const decoder =
          kind === "gzip"
            ? (new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
            : (await import("./internal/zstd.js")).zstdDecoder(limits.maxWindowBytes);
        output = pump(source.getReader(), decoder);
      }
    },
    async pull(controller) {
      try {
        const { done, value } = await output!.read();
        if (done) return controller.close();
        plainBytes += value.byteLength;
        if (plainBytes > RATIO_GRACE && plainBytes > compressedBytes * limits.maxRatio) {
          throw new OciError("TOO_LARGE", `compressed content expands more than ${limits.maxRatio}:1`, {
            detail: { compressedBytes, plainBytes, maxRatio: limits.maxRatio },
          });
        }
        controller.enqueue(value);
      } catch (error) {
        controller.error(fail(error));
        await output?.cancel().catch(() => {});
      }
    },
    cancel: (reason) => output?.cancel(reason) ?? reader.cancel(reason),
  });
}

/** Reads until at least `n` bytes are in hand (or the stream ends), without losing any. */
async function peek(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  let head = new Uint8Array(0);
  while (head.byteLength < n) {
    const { done, value } = await reader.read();
    if (done) break;
    const next = new Uint8Array(head.byteLength + value.byteLength);
    next.set(head);
    next.set(value, head.byteLength);
    head = next;
  }
  return head;
}
