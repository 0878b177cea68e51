// One listing of ingest/ for many ingests (internal/ingest-listing.ts), and exists()' answer reused by the ingest
// that follows it (internal/recently-absent.ts): fewer file system calls per small blob, and still nothing of
// another writer touched, nothing resumable lost where it matters, nothing wrong committed.
import { existsSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { dirname } from "node:path";
import { describe as describeBytes } from "@toci/spec-types";
import { describePattern, pattern } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { blobFile, partialFile, tempDir, writeRest } from "./helpers.js";

const MiB = 1024 * 1024;
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-listing-"));
});
afterEach(async () => {
  await dispose();
});

const text = (s: string) => new TextEncoder().encode(s);

/** Stores `bytes` through an ingest; returns the offset the ingest reported when it opened. */
async function put(store: Awaited<ReturnType<typeof fsStore>>, bytes: Uint8Array): Promise<number> {
  const ingest = await store.ingest(await describeBytes(bytes));
  const offset = ingest.offset;
  await ingest.write(bytes.subarray(offset));
  await ingest.commit();
  return offset;
}

/** The bytes of a blob as the store holds them. */
async function stored(store: Awaited<ReturnType<typeof fsStore>>, bytes: Uint8Array): Promise<string> {
  return new Response(await store.fetch(await describeBytes(bytes))).text();
}

describe("one listing of ingest/ for many ingests", () => {
  it("leaves another live writer's file alone, and downloads a small blob afresh past a partial made since", async () => {
    const store = await fsStore(dir);
    await put(store, text("first: the listing is read now"));
    const live = text("a small blob another process is writing");
    const late = text("a small blob whose partial appeared after the listing");
    const liveD = await describeBytes(live);
    const lateD = await describeBytes(late);
    // Another live process's writer (our parent, which started before the file was written), and an abandoned
    // closed partial, both made after the listing.
    const liveFile = `${partialFile(dir, liveD.digest)}.${process.ppid}-0a1b2c3d4e5f`;
    await nodeFs.writeFile(liveFile, live.subarray(0, 10));
    await nodeFs.writeFile(partialFile(dir, lateD.digest), late.subarray(0, 10));

    expect(await put(store, live)).toBe(0);
    expect(await nodeFs.readFile(liveFile, "utf8")).toBe("a small bl"); // untouched
    // Missed by the listing: a fresh download (the cheap case), committed right; gc sweeps the partial later.
    expect(await put(store, late)).toBe(0);
    expect(await stored(store, late)).toBe(new TextDecoder().decode(late));
  });

  it("lists afresh for a large blob: a partial left since the listing is resumed", async () => {
    const store = await fsStore(dir);
    await put(store, text("first: the listing is read now"));
    const d = await describePattern(3 * MiB, 11);
    const first = (pattern(d.size, 11).next().value as Uint8Array).slice(0, MiB);
    await nodeFs.writeFile(partialFile(dir, d.digest), first);
    const ingest = await store.ingest(d);
    expect(ingest.offset).toBe(MiB);
    await writeRest(ingest, 11);
    expect(existsSync(partialFile(dir, d.digest))).toBe(false);
  });

  it("resumes the closed partial of this process's failed attempt without listing again", async () => {
    const store = await fsStore(dir);
    await put(store, text("first: the listing is read now"));
    const bytes = text("a small blob whose first attempt failed half way");
    const ingest = await store.ingest(await describeBytes(bytes));
    await ingest.write(bytes.subarray(0, 20));
    await ingest.close();
    expect(await put(store, bytes)).toBe(20);
    expect(await stored(store, bytes)).toBe(new TextDecoder().decode(bytes));
  });
});

describe("exists() then ingest()", () => {
  it("writes a blob that another process stored in between again, identically", async () => {
    const store = await fsStore(dir);
    const bytes = text("stored by another process between the two calls");
    const d = await describeBytes(bytes);
    expect(await store.exists(d)).toBe(false);
    await nodeFs.mkdir(dirname(blobFile(dir, d.digest)), { recursive: true });
    await nodeFs.writeFile(blobFile(dir, d.digest), bytes);
    const ingest = await store.ingest(d);
    expect(ingest.offset).toBe(0); // exists() said absent a moment ago: not looked at again
    await ingest.write(bytes);
    await ingest.commit();
    expect(await stored(store, bytes)).toBe(new TextDecoder().decode(bytes));
    // Without a recent "absent", the ingest looks, and finds it.
    expect((await store.ingest(d)).offset).toBe(d.size);
  });
});
