// Committed blobs, read by the page: `blobs/<alg>/<hex>` is there only after verification (commit = verify then
// move), so its size tells presence; reads are streamed out of a File and verified again as they flow.
import {
  createVerifier,
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  type Digest,
  type FetchOptions,
  OciError,
} from "@toci/spec-types";
import { blobFile, blobName, dirIfPresent, type Layout, removeIfPresent } from "./layout.js";

/** Whether the blob is stored with the descriptor's size. */
export async function hasBlob(layout: Layout, descriptor: Pick<Descriptor, "digest" | "size">): Promise<boolean> {
  return (await blobFile(layout, descriptor.digest))?.size === descriptor.size;
}

/** The blob's bytes, verified against `descriptor` as they flow. */
export async function fetchBlob(
  layout: Layout,
  descriptor: Descriptor,
  options: FetchOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const file = await blobFile(layout, descriptor.digest);
  if (!file) {
    throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${layout.root.name}`, {
      detail: { digest: descriptor.digest },
    });
  }
  const verifier = await createVerifier(descriptor);
  const reader = file.stream().getReader();
  const { signal } = options;
  const source = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (signal?.aborted) throw new OciError("ABORTED", "the read was aborted", { cause: signal.reason });
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return source.pipeThrough(verifier);
}

/** A stored manifest's bytes; undefined when absent or larger than a manifest may be (never read whole then). */
export async function readSmallBlob(layout: Layout, digest: Digest): Promise<Uint8Array | undefined> {
  const file = await blobFile(layout, digest);
  if (!file || file.size > DEFAULT_MAX_MANIFEST_BYTES) return undefined;
  return new Uint8Array(await file.arrayBuffer());
}

/** Removes the blob's file; false when it was absent. */
export async function removeBlobFile(layout: Layout, digest: string): Promise<boolean> {
  const { algorithm, file } = blobName(digest);
  const dir = await dirIfPresent(layout.blobs, algorithm);
  return dir ? removeIfPresent(dir, file) : false;
}

/** Every stored blob: digest, size and where it is. Names that are not valid digests are not blobs toci wrote. */
export async function listBlobs(layout: Layout): Promise<{ digest: Digest; size: number }[]> {
  const out: { digest: Digest; size: number }[] = [];
  for await (const [algorithm, dir] of layout.blobs.entries()) {
    if (dir.kind !== "directory") continue;
    for await (const [name, handle] of (dir as FileSystemDirectoryHandle).entries()) {
      if (handle.kind !== "file") continue;
      const digest = `${algorithm}:${name}` as Digest;
      try {
        blobName(digest);
      } catch {
        continue;
      }
      out.push({ digest, size: (await (handle as FileSystemFileHandle).getFile()).size });
    }
  }
  return out;
}
