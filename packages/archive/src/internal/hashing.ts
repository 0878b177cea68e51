// A pass-through that hashes (sha256) and counts what flows, and says both when the stream ends.
import { createHasher, type Digest, type Hasher } from "@toci/spec-types";

export function hashing(onEnd: (digest: Digest, size: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let hasher: Hasher;
  let size = 0;
  return new TransformStream({
    async start() {
      hasher = await createHasher("sha256");
    },
    transform(chunk, controller) {
      hasher.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      onEnd(hasher.digest(), size);
    },
  });
}
