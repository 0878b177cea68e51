// A blob that goes to its file in one write is written through (O_DSYNC): its write is durable when it returns, and
// its commit makes no fdatasync of its own. A larger blob is written as before and synced at its commit.

import { constants } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { describe as describeBytes } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FsFileHandle, type FsPromises, fsStore } from "../src/index.js";
import { blobFile, putBytes, tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-write-through-"));
});
afterEach(async () => {
  await dispose();
});

/** node:fs/promises, recording the flags of each file opened in ingest/ and the syncs of its handle. */
function recordingFs() {
  const opened: { flags: string | number; syncs: number }[] = [];
  const real = nodeFs as unknown as FsPromises;
  const fs: FsPromises = {
    ...real,
    async open(path, flags, mode) {
      const handle = await real.open(path, flags, mode);
      if (!/\/ingest\/sha256-/.test(path)) return handle;
      const entry = { flags, syncs: 0 };
      opened.push(entry);
      const synced = <T>(call: () => Promise<T>) => {
        entry.syncs++;
        return call();
      };
      const wrapped: FsFileHandle = {
        write: (...args) => handle.write(...args),
        read: (...args) => handle.read(...args),
        stat: () => handle.stat(),
        close: () => handle.close(),
        sync: () => synced(() => handle.sync()),
        datasync: () => synced(() => (handle.datasync ? handle.datasync() : handle.sync())),
      };
      return wrapped;
    },
  };
  return { fs, opened };
}

describe.skipIf(constants.O_DSYNC === undefined)("blobs written through", () => {
  it("a blob of one write is opened with O_DSYNC and committed without a sync call", async () => {
    const { fs, opened } = recordingFs();
    const store = await fsStore(dir, { fs });
    const content = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    const descriptor = await putBytes(store, content);
    expect(opened).toHaveLength(1);
    expect(typeof opened[0]!.flags).toBe("number");
    expect((opened[0]!.flags as number) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect(opened[0]!.syncs).toBe(0);
    expect(await readFile(blobFile(dir, descriptor.digest))).toEqual(Buffer.from(content));
    expect(await store.exists(descriptor)).toBe(true);
  });

  it("a larger blob is written as before and synced once at its commit", async () => {
    const { fs, opened } = recordingFs();
    const store = await fsStore(dir, { fs });
    const content = new Uint8Array(300 * 1024).map((_, i) => (i * 7) & 0xff);
    const descriptor = await describeBytes(content);
    const ingest = await store.ingest(descriptor);
    for (let at = 0; at < content.length; at += 64 * 1024) await ingest.write(content.subarray(at, at + 64 * 1024));
    await ingest.commit();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.flags).toBe("wx");
    expect(opened[0]!.syncs).toBe(1);
    expect(await store.exists(descriptor)).toBe(true);
  });
});
