// The body of packDirectory (../oras-directory.ts, which says what it writes), loaded on its first call: the tar
// writer, the checks of entryGuard, CompressionStream, and the two digests counted as the bytes go by.
import { ANNOTATION_TITLE, type Descriptor, toOciError } from "@toci/spec-types";
import {
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  type DirectoryEntry,
  type PackedDirectory,
} from "../oras-directory.js";
import { entryGuard } from "../safe-path.js";
import { type TarWriteEntry, tarStream } from "../tar-writer.js";
import { hashing } from "./hashing.js";

export function pack(
  entries: Iterable<DirectoryEntry> | AsyncIterable<DirectoryEntry>,
  name: string,
  mediaType: string,
): PackedDirectory {
  let done!: (descriptor: Descriptor) => void;
  let fail!: (error: unknown) => void;
  const descriptor = new Promise<Descriptor>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  descriptor.catch(() => {}); // the stream reports the same failure to a caller who only reads it
  let tarDigest = "";
  const guard = entryGuard({ caseSensitive: true });
  async function* prefixed(): AsyncGenerator<TarWriteEntry> {
    yield { path: name, type: "directory" };
    for await (const entry of entries) {
      const safe = guard({
        path: entry.path,
        type: entry.type ?? "file",
        size: 0,
        mode: entry.mode ?? 0o644,
        uid: 0,
        gid: 0,
        mtime: 0,
        linkTarget: entry.linkTarget,
      });
      const out: TarWriteEntry = { ...entry, path: `${name}/${safe.path}` };
      if (entry.mode !== undefined) out.mode = safe.mode;
      if (safe.type === "link") out.linkTarget = `${name}/${safe.linkTarget}`; // hard links name archive paths
      yield out;
    }
  }
  const packed = tarStream(prefixed())
    .pipeThrough(hashing((digest) => (tarDigest = digest)))
    .pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .pipeThrough(
      hashing((digest, size) =>
        done({
          mediaType,
          digest: digest as Descriptor["digest"],
          size,
          annotations: {
            [ANNOTATION_TITLE]: name,
            [ANNOTATION_ORAS_DIGEST]: tarDigest,
            [ANNOTATION_ORAS_UNPACK]: "true",
          },
        }),
      ),
    );
  const reader = packed.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        const oci = toOciError(error, "INVALID_ARGUMENT");
        fail(oci);
        controller.error(oci);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream, descriptor };
}
