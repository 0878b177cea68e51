// The blob checks and writers of a store, each blob leased before it is looked at (leases.ts): exists() and
// existsAll() (many blobs told by one listing, blob-listing.ts), ingest(), and leaseBlobs() for a whole graph at
// once. An answer "absent" spares the ingest that follows a second look (recently-absent.ts).
import {
  type BatchBlobChecker,
  type BlobChecker,
  type BlobIngester,
  type BlobLeaser,
  type Descriptor,
  parseDigest,
} from "@toci/spec-types";
import { blobNames } from "./blob-listing.js";
import { blobNamed, isStorable, statBlob } from "./blobs.js";
import { openIngest } from "./ingest.js";
import type { Layout } from "./layout.js";
import type { Leases } from "./leases.js";
import { recentlyAbsent } from "./recently-absent.js";

/** exists(), ingest() and leaseBlobs() of the store at `layout`; `lease` undefined for a read-only one. */
export function leasedBlobs(
  layout: Layout,
  lease: Leases | undefined,
): BlobChecker & BatchBlobChecker & BlobIngester & BlobLeaser {
  const takeLease = async (digest: string): Promise<void> => {
    if (lease && isStorable(digest)) await lease.take(digest);
  };
  const absent = recentlyAbsent();
  /** Whether the blob is stored (a regular file of its size), after its lease. */
  const look = async (descriptor: Descriptor): Promise<boolean> => {
    const present = (await statBlob(layout, descriptor.digest))?.size === descriptor.size;
    if (present) {
      blobNamed(layout); // a root may name it next: its name is synced first
      absent.take(descriptor.digest);
    } else absent.note(descriptor.digest);
    return present;
  };
  const exists = async (descriptor: Descriptor): Promise<boolean> => {
    // Leased before looking: a pull that finds a blob present relies on it until it names its root.
    await takeLease(descriptor.digest);
    return look(descriptor);
  };
  return {
    exists,

    async existsAll(descriptors) {
      const storable = descriptors.filter((d) => isStorable(d.digest));
      // Leased before looking, as exists() does, in one record.
      if (lease) await lease.takeAll(storable.map((d) => d.digest));
      const listed = await listings(layout, storable);
      return Promise.all(
        descriptors.map(async (descriptor) => {
          if (!isStorable(descriptor.digest)) return exists(descriptor); // refused as exists() refuses it
          const { algorithm, encoded } = parseDigest(descriptor.digest);
          // A name the listing lacks is absent; one it shows is stat'ed like exists() (its size, a regular file).
          if (listed.get(algorithm)?.has(encoded) === false) {
            absent.note(descriptor.digest);
            return false;
          }
          return look(descriptor);
        }),
      );
    },

    async ingest(descriptor, ingestOptions) {
      layout.writable();
      // Leased before the blob is looked for or renamed into place (see internal/leases.ts).
      await takeLease(descriptor.digest);
      return openIngest(layout, descriptor, ingestOptions, { absent: absent.take(descriptor.digest) });
    },

    async leaseBlobs(digests) {
      // A read-only layout leases nothing; a digest no path is built from is no blob of this store.
      await lease?.takeAll(digests.filter(isStorable));
    },
  };
}

/** The listing of blobs/<alg>/ for each algorithm among `descriptors` (none where it was not listed: blob-listing.ts). */
async function listings(layout: Layout, descriptors: readonly Descriptor[]): Promise<Map<string, Set<string>>> {
  const asked = new Map<string, number>();
  for (const { digest } of descriptors) {
    const { algorithm } = parseDigest(digest);
    asked.set(algorithm, (asked.get(algorithm) ?? 0) + 1);
  }
  const out = new Map<string, Set<string>>();
  for (const [algorithm, count] of asked) {
    const names = await blobNames(layout, algorithm, count);
    if (names) out.set(algorithm, names);
  }
  return out;
}
