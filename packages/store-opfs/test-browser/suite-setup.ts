// The store-suite set-up for OPFS: a fresh store directory per case, reopened by name, corrupted behind the store's
// back through the File System API (createWritable keeps the rest of the file), and removed afterwards.
import type { Digest } from "@toci/spec-types";
import {
  PERSISTENT_STORE,
  reopenableStore,
  type StoreCapabilities,
  type StoreUnderTest,
} from "@toci/testkit/store-suite";
import { afterEach } from "vitest";
import { type OpfsStoreOptions, opfsStore } from "../dist/index.js";

let counter = 0;

/** The store's directory, as the store names it. */
export async function storeDir(name: string): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(`toci-${name}`);
}

/** Flips the first byte of a file, in place. */
export async function flipFirstByte(file: FileSystemFileHandle): Promise<void> {
  const first = new Uint8Array(await (await file.getFile()).slice(0, 1).arrayBuffer());
  const writable = await file.createWritable({ keepExistingData: true });
  await writable.write({ type: "write", position: 0, data: new Uint8Array([(first[0] ?? 0) ^ 0xff]) });
  await writable.close();
}

/** The partial files of a digest in ingest/. */
export async function partialFiles(name: string, digest: Digest): Promise<FileSystemFileHandle[]> {
  const ingest = await (await storeDir(name)).getDirectoryHandle("ingest");
  const prefix = `${digest.replace(":", "-")}.`;
  const out: FileSystemFileHandle[] = [];
  for await (const [entry, handle] of ingest.entries()) {
    if (entry.startsWith(prefix) && handle.kind === "file") out.push(handle as FileSystemFileHandle);
  }
  return out;
}

/** Removes a store's directory (after its stores are closed). */
export async function removeStore(name: string): Promise<void> {
  await (await navigator.storage.getDirectory()).removeEntry(`toci-${name}`, { recursive: true }).catch(() => {});
}

/** A maker of fresh store names for a test file; each store is removed after the test that named it. */
export function storeNames(prefix: string): () => string {
  const names: string[] = [];
  afterEach(async () => {
    for (const name of names.splice(0)) await removeStore(name);
  });
  return () => {
    const name = `${prefix}-${Date.now()}-${names.length}`;
    names.push(name);
    return name;
  };
}

export function opfsUnderTest(prefix: string, options: OpfsStoreOptions = {}): () => Promise<StoreUnderTest> {
  return async () => {
    const name = `${prefix}-${Date.now()}-${counter++}`;
    return reopenableStore(() => opfsStore(name, options), {
      corruptPartial: async (digest) => {
        const [file] = await partialFiles(name, digest);
        if (!file) throw new Error(`no partial of ${digest}`);
        await flipFirstByte(file);
      },
      corruptBlob: async (digest) => {
        const [algorithm, hex] = digest.split(":") as [string, string];
        const dir = await (await (await storeDir(name)).getDirectoryHandle("blobs")).getDirectoryHandle(algorithm);
        await flipFirstByte(await dir.getFileHandle(hex));
      },
      leftovers: async (digest) => (await partialFiles(name, digest)).length,
      remove: () => removeStore(name),
    });
  };
}

/** Every ingest runs in the store's worker, which takes bodies whole. */
export const capabilities: StoreCapabilities = { ...PERSISTENT_STORE, bodyWriter: true };
