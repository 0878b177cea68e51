// A read-only Store over a repository on a registry: what `toci files`, `toci cat` and `toci artifact pull` read
// through, so that @toci/archive's imageFiles/imageFile and the client's artifactFiles stream each blob straight from
// the registry, verified by the client as it flows, without landing anywhere (as `crane export` does): a 10 GiB image
// is listed in the memory of one name per path.
import type { StrictRepository } from "@toci/client/strict";
import type { Descriptor, ReadOnlyStore } from "@toci/spec-types";

/** The registry's repository as a ReadOnlyStore: resolve by tag or digest, fetch blobs and manifests (verified). */
export function remoteStore(repo: StrictRepository, signal: AbortSignal): ReadOnlyStore {
  return {
    exists: (descriptor) => repo.exists(descriptor, { signal }),
    fetch: (descriptor, options) => remoteStream(repo, descriptor, options?.signal ?? signal),
    resolve: async (reference) => (typeof reference === "string" ? repo.resolve(reference, { signal }) : undefined),
    // A registry has no roots to list; nothing here needs them.
    list: async () => [],
  };
}

/**
 * The verified stream of one blob or manifest. `fetch(descriptor, handler)` verifies while the handler reads, so
 * the handler hands the stream out and waits for its reader to finish (or cancel); a failure before any byte (404,
 * 401) rejects, a mismatch later errors the stream the reader holds.
 */
function remoteStream(
  repo: StrictRepository,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  return new Promise((resolve, reject) => {
    let handed = false;
    const read = (stream: ReadableStream<Uint8Array>) =>
      new Promise<void>((finished) => {
        handed = true;
        const reader = stream.getReader();
        resolve(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              try {
                const { done, value } = await reader.read();
                if (done) {
                  controller.close();
                  finished();
                } else controller.enqueue(value);
              } catch (error) {
                controller.error(error);
                finished();
              }
            },
            async cancel(reason) {
              await reader.cancel(reason).catch(() => {});
              finished();
            },
          }),
        );
      });
    repo.fetch(descriptor, read, { signal }).catch((error: unknown) => {
      if (!handed) reject(error);
    });
  });
}
