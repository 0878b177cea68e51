// A layout that does not exist yet is created by the first write into it, not when the command starts: a pull that
// fails before any content (a missing tag, a wrong password, a registry that is down, a platform the index lacks)
// leaves no empty `./toci-store` behind. Until then it is an empty store: reads find nothing.
import { access } from "node:fs/promises";
import { join } from "node:path";
import {
  type Descriptor,
  type Digest,
  type FetchOptions,
  type Ingest,
  type IngestOptions,
  type KeptAbilities,
  OciError,
  type RootPredicate,
  type SourceRecord,
  type UploadState,
} from "@toci/spec-types";
import type { FsStore } from "@toci/store-fs";

/** The store of a layout opened (created) by its first write; the same abilities as the layout store. */
export type DeferredLayout = Omit<FsStore, "dir" | "readOnly">;

/**
 * A layout not there yet, created by `open()` on the first write (ingest, tag, upload state, blob source, a pull's
 * leases).
 */
export function deferredLayout(dir: string, open: () => Promise<FsStore>): DeferredLayout {
  let store: Promise<FsStore> | undefined;
  const opened = (): Promise<FsStore> => {
    store ??= open();
    return store;
  };
  /** The layout once a write created it; before, a read answers `empty`. */
  const read = async <T>(empty: T, call: (layout: FsStore) => Promise<T>): Promise<T> =>
    store ? call(await store) : empty;
  return {
    exists: (descriptor: Descriptor) => read(false, (s) => s.exists(descriptor)),
    existsAll: (descriptors: readonly Descriptor[]) =>
      read(
        descriptors.map(() => false),
        (s) => s.existsAll(descriptors),
      ),
    async fetch(descriptor: Descriptor, options?: FetchOptions) {
      if (!store) throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${dir}`);
      return (await store).fetch(descriptor, options);
    },
    resolve: (reference: string | RootPredicate) =>
      read<Descriptor | undefined>(undefined, (s) => s.resolve(reference)),
    list: () => read<Descriptor[]>([], (s) => s.list()),
    untag: (reference: string) => read(false, (s) => s.untag(reference)),
    remove: (descriptor: Descriptor) => read(false, (s) => s.remove(descriptor)),
    gc: () => read<Digest[]>([], (s) => s.gc()),
    getUpload: (key: string) => read<UploadState | undefined>(undefined, (s) => s.getUpload(key)),
    deleteUpload: (key: string) => read(undefined, (s) => s.deleteUpload(key)),
    sources: (digest: Digest) => read<string[]>([], (s) => s.sources(digest)),
    // What was learnt about a registry is kept only in a layout that exists: it never creates one.
    getAbilities: (registry: string) => read<KeptAbilities | undefined>(undefined, (s) => s.getAbilities(registry)),
    setAbilities: (registry: string, abilities: KeptAbilities) =>
      read(undefined, (s) => s.setAbilities(registry, abilities)),
    clearAbilities: () => read(undefined, (s) => s.clearAbilities()),
    ingest: async (descriptor: Descriptor, options?: IngestOptions): Promise<Ingest> =>
      (await opened()).ingest(descriptor, options),
    tag: async (descriptor: Descriptor, reference: string) => (await opened()).tag(descriptor, reference),
    setUpload: async (key: string, state: UploadState) => (await opened()).setUpload(key, state),
    recordSource: async (digest: Digest, repository: string) => (await opened()).recordSource(digest, repository),
    recordSources: async (records: readonly SourceRecord[]) => (await opened()).recordSources(records),
    // A pull leases the blobs it is about to write: the layout is created now rather than by the first of them.
    leaseBlobs: async (digests: readonly Digest[]) => {
      if (digests.length > 0) await (await opened()).leaseBlobs(digests);
    },
    close: () => read(undefined, (s) => s.close()),
  };
}

/** Whether `dir` holds an OCI layout (its `oci-layout` file). */
export async function hasLayout(dir: string): Promise<boolean> {
  try {
    await access(join(dir, "oci-layout"));
    return true;
  } catch {
    return false;
  }
}

/** The layout at `dir`: opened now when it exists, else created by the first write into it. */
export async function layoutStore(dir: string, open: () => Promise<FsStore>): Promise<DeferredLayout> {
  return (await hasLayout(dir)) ? open() : deferredLayout(dir, open);
}
