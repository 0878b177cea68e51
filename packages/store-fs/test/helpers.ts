// Node-only helpers for store-fs tests: temp dirs, memfs volumes, byte flips behind the store's back.
import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Descriptor,
  type Digest,
  describe as describeBytes,
  type Ingest,
  type Store,
  writeBlob,
} from "@toci/spec-types";
import { pattern, type StoreUnderTest } from "@toci/testkit/store-suite";
import { Volume } from "memfs";
import { type FsPromises, fsStore } from "../src/index.js";

export async function tempDir(prefix = "toci-fs-"): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export function memfs(): FsPromises {
  return new Volume().promises as unknown as FsPromises;
}

export function blobFile(dir: string, digest: Digest): string {
  const [algorithm, hex] = digest.split(":");
  return join(dir, "blobs", algorithm as string, hex as string);
}

export function partialFile(dir: string, digest: Digest): string {
  return join(dir, "ingest", digest.replace(":", "-"));
}

async function flipFirstByte(fs: FsPromises, path: string): Promise<void> {
  const handle = await fs.open(path, "r+");
  try {
    const one = new Uint8Array(1);
    await handle.read(one, 0, 1, 0);
    one[0] = (one[0] ?? 0) ^ 0xff;
    await handle.write(one, 0, 1, 0);
  } finally {
    await handle.close();
  }
}

/** A store-suite set-up for a layout at `dir` on `fs`. */
export async function layoutUnderTest(
  dir: string,
  fs: FsPromises,
  dispose?: () => Promise<void>,
): Promise<StoreUnderTest> {
  const result: StoreUnderTest = {
    store: await fsStore(dir, { fs }),
    reopen: () => fsStore(dir, { fs }),
    corruptPartial: (digest) => flipFirstByte(fs, partialFile(dir, digest)),
    corruptBlob: (digest) => flipFirstByte(fs, blobFile(dir, digest)),
  };
  if (dispose) result.dispose = dispose;
  return result;
}

/**
 * node:fs/promises, recording every path whose bytes are read (readFile, or read() on an open file), to prove a
 * file was refused unread, and in `bigReads` those of files over 1 MiB.
 */
export function readRecordingFs(): { fs: FsPromises; reads: string[]; bigReads: string[] } {
  const reads: string[] = [];
  const bigReads: string[] = [];
  const record = async (path: string, size: () => Promise<number>) => {
    reads.push(path);
    if ((await size().catch(() => 0)) > 1024 * 1024) bigReads.push(path);
  };
  const fs = {
    ...nodeFs,
    readFile: async (path: string) => {
      await record(path, async () => (await nodeFs.stat(path)).size);
      return nodeFs.readFile(path);
    },
    open: async (path: string, flags: string | number, mode?: number) => {
      const handle = await nodeFs.open(path, flags, mode);
      return new Proxy(handle, {
        get(target, key) {
          if (key === "read") {
            return async (buffer: Uint8Array, offset: number, length: number, position: number | null) => {
              await record(path, async () => (await target.stat()).size);
              return target.read(buffer, offset, length, position);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  } as unknown as FsPromises;
  return { fs, reads, bigReads };
}

/** Writes the pattern bytes (`seed`) of a blob past what `ingest` holds, and commits: what a resumed pull does. */
export async function writeRest(ingest: Ingest, seed: number): Promise<void> {
  let skip = ingest.offset;
  for (const chunk of pattern(ingest.descriptor.size, seed)) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    await ingest.write(chunk.subarray(skip));
    skip = 0;
  }
  await ingest.commit();
}

/** Stores `content` as a blob, committed; its descriptor. */
export async function putBytes(store: Store, content: Uint8Array): Promise<Descriptor> {
  const descriptor = await describeBytes(content);
  await writeBlob(store, descriptor, content);
  return descriptor;
}

/**
 * node:fs/promises whose file handles run `wrap(path, sync)` for their fsync and fdatasync (to log or hold them),
 * and with `rename` (and the rest) as given in `overrides`.
 */
export function syncWatchingFs(
  wrap: (path: string, sync: () => Promise<void>) => () => Promise<void>,
  overrides: Partial<Record<keyof typeof nodeFs, unknown>> = {},
): FsPromises {
  return {
    ...nodeFs,
    ...overrides,
    open: async (path: string, flags: string | number, mode?: number) => {
      const handle = await nodeFs.open(path, flags, mode);
      return Object.assign(Object.create(handle) as typeof handle, {
        write: handle.write.bind(handle),
        read: handle.read.bind(handle),
        stat: handle.stat.bind(handle),
        close: handle.close.bind(handle),
        datasync: wrap(path, () => handle.datasync()),
        sync: wrap(path, () => handle.sync()),
      });
    },
  } as unknown as FsPromises;
}
