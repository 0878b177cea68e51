// The blob checks and writers of a store, each blob leased before it is looked at (leases.ts): exists(), ingest(),
// and leaseBlobs() for a whole graph at once. exists()' answer "absent" spares the ingest that follows a second look
// (recently-absent.ts).
import type { BlobChecker, BlobIngester, BlobLeaser } from "@toci/spec-types";
import { blobNamed, isStorable, statBlob } from "./blobs.js";
import { openIngest } from "./ingest.js";
import type { Layout } from "./layout.js";
import type { Leases } from "./leases.js";
import { recentlyAbsent } from "./recently-absent.js";

/** exists(), ingest() and leaseBlobs() of the store at `layout`; `lease` undefined for a read-only one. */
export function leasedBlobs(layout: Layout, lease: Leases | undefined): BlobChecker & BlobIngester & BlobLeaser {
  const takeLease = async (digest: string): Promise<void> => {
    if (lease && isStorable(digest)) await lease.take(digest);
  };
  const absent = recentlyAbsent();
  return {
    async exists(descriptor) {
      // Leased before looking: a pull that finds a blob present relies on it until it names its root.
      await takeLease(descriptor.digest);
      const present = (await statBlob(layout, descriptor.digest))?.size === descriptor.size;
      if (present) {
        blobNamed(layout); // a root may name it next: its name is synced first
        absent.take(descriptor.digest);
      } else absent.note(descriptor.digest);
      return present;
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
