// The body of packDirectory (../oras-directory.ts, which says what it writes), loaded on its first call: the tar
// writer, the checks of entryGuard, CompressionStream, and the two digests counted as the bytes go by.
import { ANNOTATION_TITLE, type Descriptor, OciError, toOciError } from "@toci/spec-types";
import {
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  type DirectoryEntry,
  type PackedDirectory,
} from "../oras-directory.js";
import { entryGuard } from "../safe-path.js";
import { type TarWriteEntry, tarStream } from "../tar-writer.js";
import { ancestors } from "./clean-path.js";
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
  const directories = new Set<string>();
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
      if (safe.type === "link") {
        // oras writes a hard-linked file as a regular file, and its extraction would link relative to its own cwd
        throw new OciError("INVALID_ARGUMENT", `${safe.path}: hard links are not packed; give the file's content`);
      }
      // oras-go's extraction creates no parent directories: each one gets its entry before what it holds.
      for (const parent of [...ancestors(safe.path)].reverse()) {
        if (!directories.has(parent)) yield { path: `${name}/${parent}`, type: "directory" };
        directories.add(parent);
      }
      if (safe.type === "directory") directories.add(safe.path);
      const out: TarWriteEntry = { ...entry, path: `${name}/${safe.path}` };
      if (entry.mode !== undefined) out.mode = safe.mode;
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
