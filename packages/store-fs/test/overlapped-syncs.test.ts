// Syncs that have no order between them run at once: opening a fresh layout syncs `oci-layout` and `index.json`
// together, and a new root's index.json is written and synced while the blobs' directory is synced. What must come
// first still does: each file is synced before its name appears, and the directory before index.json names a root.
import * as nodeFs from "node:fs/promises";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBlob } from "@toci/spec-types";
import { describeBytes } from "@toci/testkit/store-suite";
import { afterEach, describe, expect, it } from "vitest";
import type { FsPromises } from "../src/fs-api.js";
import { fsStore } from "../src/index.js";
import { syncWatchingFs } from "./helpers.js";

/**
 * node:fs/promises logging `start <path>` and `end <path>` around each fsync, `link`/`rename <to>` after each. A sync
 * is held until another one starts (or, so that a store syncing one at a time still finishes, for a while): two
 * syncs that may overlap then show as start, start, end, end. Only while `gate.on`.
 */
function overlapFs(events: string[], gate = { on: true }): FsPromises {
  let waiting: (() => void) | undefined;
  const hold = (): Promise<void> => {
    if (!gate.on) return Promise.resolve();
    if (waiting) {
      waiting();
      waiting = undefined;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 500); // a hang guard: the order of the events is what is asserted
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  const logged = (path: string, sync: () => Promise<void>) => async () => {
    events.push(`start ${path}`);
    await hold();
    await sync();
    events.push(`end ${path}`);
  };
  return syncWatchingFs(logged, {
    rename: async (from: string, to: string) => {
      await nodeFs.rename(from, to);
      events.push(`rename ${to}`);
    },
    link: async (from: string, to: string) => {
      await nodeFs.link(from, to);
      events.push(`link ${to} ${from}`);
    },
  });
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The index of the first event starting with `prefix` (it must be there). */
function at(events: string[], prefix: string): number {
  const index = events.findIndex((e) => e.startsWith(prefix));
  expect(index, `${prefix} in ${events.join("\n")}`).toBeGreaterThanOrEqual(0);
  return index;
}

/** A store over overlapFs (not holding syncs) with one manifest written; the events logged so far cleared. */
async function storeWithManifest(root: string) {
  const events: string[] = [];
  const gate = { on: false };
  const store = await fsStore(root, { fs: overlapFs(events, gate) });
  const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, layers: [] }));
  const manifest = await describeBytes(bytes, "application/vnd.oci.image.manifest.v1+json");
  await writeBlob(store, manifest, bytes);
  events.length = 0;
  return { events, gate, store, manifest };
}

describe("syncs with no order between them", () => {
  it("a fresh layout syncs oci-layout and index.json at once, each before its name appears", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toci-overlap-"));
    dirs.push(dir);
    const events: string[] = [];
    const root = join(dir, "layout");
    await fsStore(root, { fs: overlapFs(events) });
    const syncs = events.filter((e) => e.startsWith("start ") || e.startsWith("end "));
    expect(syncs.map((e) => e.split(" ")[0])).toEqual(["start", "start", "end", "end"]);
    for (const name of ["oci-layout", "index.json"]) {
      const link = events[at(events, `link ${join(root, name)} `)] as string;
      const tmp = link.split(" ")[2] as string;
      expect(at(events, `end ${tmp}`)).toBeLessThan(events.indexOf(link));
    }
    expect(JSON.parse(await readFile(join(root, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(JSON.parse(await readFile(join(root, "index.json"), "utf8")).manifests).toEqual([]);
  });

  it("a new root's index.json is synced while the blobs' directory is, and named after both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toci-overlap-"));
    dirs.push(dir);
    const root = join(dir, "layout");
    await fsStore(root); // made beforehand: only the tag's syncs are logged
    const { events, gate, store, manifest } = await storeWithManifest(root);
    gate.on = true;
    await store.tag(manifest, "v1");
    gate.on = false;
    const blobs = join(root, "blobs", "sha256");
    const index = join(root, "index.json");
    const rename = at(events, `rename ${index}`);
    const dirStart = at(events, `start ${blobs}`);
    const tmpStart = at(events, `start ${join(root, "ingest", "tmp.")}`);
    // Both started before either ended, and both ended before the new index.json took its name.
    expect(Math.max(dirStart, tmpStart)).toBeLessThan(at(events, "end "));
    expect(at(events, `end ${blobs}`)).toBeLessThan(rename);
    expect(at(events, `end ${join(root, "ingest", "tmp.")}`)).toBeLessThan(rename);
    expect(await store.resolve("v1")).toMatchObject({ digest: manifest.digest });
  });

  it("the first blob of a fresh layout: blobs/sha256/ is made, and blobs/ is synced before index.json names a root", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toci-overlap-"));
    dirs.push(dir);
    const root = join(dir, "layout");
    const { events, store, manifest } = await storeWithManifest(root);
    await store.tag(manifest, "v1");
    const blobsSynced = events.indexOf(`end ${join(root, "blobs")}`); // exactly blobs/, not blobs/sha256
    expect(blobsSynced, events.join("\n")).toBeGreaterThanOrEqual(0);
    expect(blobsSynced).toBeLessThan(at(events, `rename ${join(root, "index.json")}`));

    // Once made and synced, blobs/ is not synced again for the next root.
    const other = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, layers: [], annotations: { a: "b" } }));
    const second = await describeBytes(other, "application/vnd.oci.image.manifest.v1+json");
    await writeBlob(store, second, other);
    events.length = 0;
    await store.tag(second, "v2");
    expect(events.filter((e) => e === `end ${join(root, "blobs")}`)).toEqual([]);
    expect(at(events, `end ${join(root, "blobs", "sha256")}`)).toBeLessThan(
      at(events, `rename ${join(root, "index.json")}`),
    );
  });
});
