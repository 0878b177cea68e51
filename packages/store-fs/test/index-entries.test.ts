// index.json with entries that are not valid descriptors (src/index-file.ts): the good entries still work, the bad
// ones are skipped once per read and reported, kept verbatim on every rewrite, pinned in gc when their digest is
// valid, and never turned into a path. Only a file with nothing to salvage is refused.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ANNOTATION_REF_NAME, type Descriptor, type Digest, isOciError, OCI_INDEX } from "@toci/spec-types";
import { expectCode, put, putImage } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore, type IndexEntriesSkippedWarning } from "../src/index.js";
import { blobFile, readRecordingFs, tempDir } from "./helpers.js";
import { putRealImage } from "./image.js";

const run = promisify(execFile);
const json = async (path: string) => JSON.parse(await nodeFs.readFile(path, "utf8"));

let parent: string;
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir: parent, dispose } = await tempDir("toci-fs-entries-"));
  dir = join(parent, "layout");
  await nodeFs.writeFile(join(parent, "sentinel"), "keep me");
});
afterEach(async () => {
  await dispose();
});

const named = (d: Descriptor, tag: string): Descriptor => ({ ...d, annotations: { [ANNOTATION_REF_NAME]: tag } });

/** A store that records its warnings, on a layout whose index.json is `manifests` (plus a field of another tool). */
async function layoutWith(manifests: (store: Awaited<ReturnType<typeof fsStore>>) => Promise<unknown[]>) {
  const warnings: IndexEntriesSkippedWarning[] = [];
  const store = await fsStore(dir, { onWarning: (w) => w.code === "INDEX_ENTRIES_SKIPPED" && warnings.push(w) });
  const entries = await manifests(store);
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries, "org.example.theirs": { kept: true } };
  await nodeFs.writeFile(join(dir, "index.json"), JSON.stringify(index, null, 3));
  return { store, warnings, entries };
}

const BAD_ENTRIES: [string, (d: Descriptor) => unknown][] = [
  ["an invalid digest", (d) => ({ ...named(d, "bad"), digest: "sha256:xyz" })],
  ["a path as digest", (d) => ({ ...named(d, "bad"), digest: "../../sentinel" })],
  ["a negative size", (d) => ({ ...named(d, "bad"), size: -1 })],
  ["a non-integer size", (d) => ({ ...named(d, "bad"), size: 1.5 })],
  ["no mediaType", (d) => ({ digest: d.digest, size: d.size, annotations: { [ANNOTATION_REF_NAME]: "bad" } })],
  ["a number", () => 42],
  ["a string", () => "sha256:abc"],
  ["null", () => null],
  ["an array", (d) => [d]],
  ["a non-string annotation", (d) => ({ ...d, annotations: { [ANNOTATION_REF_NAME]: 7 } })],
];

describe("one bad entry among good ones", () => {
  it.each(BAD_ENTRIES)(
    "%s: good entries list and resolve, the bad one is skipped and reported once per read",
    async (_, bad) => {
      const { store, warnings } = await layoutWith(async (s) => {
        const a = await putImage(s, "a");
        const b = await putImage(s, "b");
        return [named(a.manifest, "a"), bad(b.manifest), named(b.manifest, "b")];
      });
      const roots = await store.list();
      expect(roots.map((r) => r.annotations?.[ANNOTATION_REF_NAME])).toEqual(["a", "b"]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: "INDEX_ENTRIES_SKIPPED", file: join(dir, "index.json"), skipped: 1 });
      expect(warnings[0]?.entries[0]?.position).toBe(1);
      expect(warnings[0]?.message).toContain("manifests[1]");
      expect((await store.resolve("a"))?.digest).toBe(roots[0]?.digest);
      expect((await store.resolve("b"))?.digest).toBe(roots[1]?.digest);
      expect(await store.resolve("bad")).toBeUndefined();
      expect(warnings).toHaveLength(4); // list, then one per resolve: every read of index.json reports, once
    },
  );

  it("reports many bad entries in one warning, counting all and listing at most 100", async () => {
    const { store, warnings } = await layoutWith(async (s) => {
      const a = await putImage(s, "a");
      return [named(a.manifest, "a"), ...Array.from({ length: 250 }, (_, i) => ({ digest: `sha256:${i}` }))];
    });
    expect(await store.list()).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.skipped).toBe(250);
    expect(warnings[0]?.entries).toHaveLength(100);
    expect(warnings[0]?.message).toContain("and 247 more");
  });

  it("a throwing onWarning does not break the read", async () => {
    await layoutWith(async (s) => [named((await putImage(s, "a")).manifest, "a"), 42]);
    const store = await fsStore(dir, {
      onWarning: () => {
        throw new Error("reporting failed");
      },
    });
    expect(await store.list()).toHaveLength(1);
  });
});

describe("rewrites keep the bad entries", () => {
  it.each(BAD_ENTRIES)("%s: tag, untag and remove keep it, equal as JSON and in its place", async (_, bad) => {
    let c: Descriptor | undefined;
    const { store, entries } = await layoutWith(async (s) => {
      const a = await putImage(s, "a");
      const b = await putImage(s, "b");
      c = (await putImage(s, "c")).manifest;
      return [named(a.manifest, "a"), bad(b.manifest), named(b.manifest, "b")];
    });
    const theBad = JSON.stringify(entries[1]);
    const manifests = async () =>
      ((await json(join(dir, "index.json"))).manifests as unknown[]).map((e) => JSON.stringify(e));

    await store.tag(c as Descriptor, "c");
    expect((await manifests())[1]).toBe(theBad);
    expect(await manifests()).toHaveLength(4);
    expect(await store.untag("a")).toBe(true);
    expect((await manifests())[0]).toBe(theBad);
    expect(await store.remove(await store.resolve("b").then((d) => d as Descriptor))).toBe(true);
    expect(await manifests()).toEqual([theBad, JSON.stringify(named(c as Descriptor, "c"))]);
    expect((await json(join(dir, "index.json")))["org.example.theirs"]).toEqual({ kept: true });
  });
});

describe("a tag takes its name from a bad entry", () => {
  it.each(BAD_ENTRIES)("%s: tagging its ref.name replaces it; an entry without that name stays", async (_, bad) => {
    let c: Descriptor | undefined;
    const { store, entries } = await layoutWith(async (s) => {
      const a = await putImage(s, "a");
      c = (await putImage(s, "c")).manifest;
      return [named(a.manifest, "a"), bad(a.manifest)];
    });
    const carriesName = JSON.stringify(entries[1]).includes('"bad"');
    await store.tag(c as Descriptor, "bad");
    const manifests = (await json(join(dir, "index.json"))).manifests as unknown[];
    const names = manifests.map((e) => (e as Descriptor | null)?.annotations?.[ANNOTATION_REF_NAME]);
    // One entry of the name, the new root's; a bad entry that did not carry it is still there.
    expect(names.filter((n) => n === "bad")).toHaveLength(1);
    expect((await store.resolve("bad"))?.digest).toBe(c?.digest);
    expect(manifests).toHaveLength(carriesName ? 2 : 3);
  });
});

describe("gc and bad entries", () => {
  it("keeps the graph of a manifest that a bad entry names by a valid digest (wrong size, no mediaType)", async () => {
    let kept: Awaited<ReturnType<typeof putImage>> | undefined;
    let swept: Awaited<ReturnType<typeof putImage>> | undefined;
    let plain: Descriptor | undefined;
    const { store, warnings } = await layoutWith(async (s) => {
      kept = await putImage(s, "kept");
      swept = await putImage(s, "swept");
      plain = await put(s, new TextEncoder().encode("a blob another tool named"));
      return [
        { digest: kept.manifest.digest, size: -1, annotations: { [ANNOTATION_REF_NAME]: "theirs" } },
        { mediaType: "application/octet-stream", digest: plain.digest, size: "7" },
      ];
    });
    const removed = await store.gc();
    expect(warnings).toHaveLength(1);
    const k = kept as NonNullable<typeof kept>;
    for (const d of [k.manifest, k.config, k.layer, plain as Descriptor]) expect(await store.exists(d)).toBe(true);
    // Not a test that cannot fail: what no entry names is still swept.
    const s = swept as NonNullable<typeof swept>;
    expect([...removed].sort()).toEqual([s.manifest.digest, s.config.digest, s.layer.digest].sort());
  });

  it("sweeps what only an entry with an invalid digest could name (it names no file gc would delete)", async () => {
    let image: Awaited<ReturnType<typeof putImage>> | undefined;
    const { store } = await layoutWith(async (s) => {
      image = await putImage(s, "x");
      return [{ ...image.manifest, digest: image.manifest.digest.toUpperCase() }];
    });
    const i = image as NonNullable<typeof image>;
    expect((await store.gc()).length).toBe(3);
    expect(await store.exists(i.manifest)).toBe(false);
  });
});

describe("bad entries never become paths", () => {
  it("an entry naming a path outside the layout is skipped by every operation and touches nothing", async () => {
    const outsideDigest = "sha256:../../sentinel";
    const { store } = await layoutWith(async (s) => [
      named((await putImage(s, "a")).manifest, "a"),
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: outsideDigest,
        size: 7,
        annotations: { [ANNOTATION_REF_NAME]: "evil" },
      },
      { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:/etc/passwd", size: -1 },
    ]);
    expect(await store.resolve("evil")).toBeUndefined();
    expect(await store.untag("evil")).toBe(false);
    await store.gc();
    await store.tag((await store.resolve("a")) as Descriptor, "b");
    await expect(store.fetch({ mediaType: "x/y", digest: outsideDigest as Digest, size: 7 })).rejects.toSatisfy(
      isOciError,
    );
    expect(await nodeFs.readFile(join(parent, "sentinel"), "utf8")).toBe("keep me");
    expect((await nodeFs.readdir(parent)).sort()).toEqual(["layout", "sentinel"]);
    expect((await json(join(dir, "index.json"))).manifests).toHaveLength(4); // a, evil, passwd, b
  });
});

describe("nothing to salvage: still refused with STORE, naming the file", () => {
  const cases: [string, string][] = [
    ["not JSON", "{not json"],
    ["not an object", "[]"],
    ["schemaVersion 1", JSON.stringify({ schemaVersion: 1, manifests: [] })],
    ["no schemaVersion", JSON.stringify({ manifests: [] })],
    ["manifests not an array", JSON.stringify({ schemaVersion: 2, manifests: {} })],
    ["no manifests", JSON.stringify({ schemaVersion: 2 })],
    [
      "a manifest's mediaType",
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", manifests: [] }),
    ],
  ];
  it.each(cases)("%s", async (_, text) => {
    const store = await fsStore(dir);
    const image = await putImage(store, "x");
    await nodeFs.writeFile(join(dir, "index.json"), text);
    for (const op of [
      () => store.list(),
      () => store.resolve("v1"),
      () => store.tag(image.manifest, "v1"),
      () => store.gc(),
    ]) {
      await expectCode(op(), "STORE");
    }
    const error = await store.list().catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain(`${join(dir, "index.json")} is not a valid image index`);
    expect(await nodeFs.readFile(join(dir, "index.json"), "utf8")).toBe(text); // never "repaired" blindly
    expect(await store.exists(image.layer)).toBe(true); // gc refused, nothing swept
  });

  it("an index.json over the 64 MiB cap is refused without being read", async () => {
    const { fs, reads } = readRecordingFs();
    const store = await fsStore(dir, { fs });
    await nodeFs.truncate(join(dir, "index.json"), 64 * 1024 * 1024 + 1); // sparse: costs no disk
    reads.length = 0;
    const error = await store.list().catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("STORE");
    expect(String((error as Error).message)).toMatch(
      /index\.json is not a valid image index: .*over the 67108864-byte cap/,
    );
    expect(reads).toEqual([]);
  });
});

describe.skipIf(!existsSync("/usr/bin/skopeo"))("skopeo and bad entries", () => {
  it("skopeo still reads the good tags, before and after toci rewrites index.json", async () => {
    // Entries Go's encoding/json can decode (containers/image refuses the whole file otherwise: a fractional
    // size, a non-object): a bad digest, a negative size, no mediaType.
    const { store } = await layoutWith(async (s) => {
      const good = await putRealImage(s, "hello.txt", "hello\n");
      return [
        { ...named(good.manifest, "bad1"), digest: "sha256:xyz" },
        { ...named(good.manifest, "bad2"), size: -5 },
        { digest: good.manifest.digest, size: good.manifest.size, annotations: { [ANNOTATION_REF_NAME]: "bad3" } },
        named(good.manifest, "good"),
      ];
    });
    const good = (await store.resolve("good")) as Descriptor;
    const inspect = async (tag: string) => JSON.parse((await run("skopeo", ["inspect", `oci:${dir}:${tag}`])).stdout);
    expect((await inspect("good")).Digest).toBe(good.digest);
    await store.tag(good, "again");
    await store.gc();
    expect((await inspect("good")).Digest).toBe(good.digest);
    expect((await inspect("again")).Digest).toBe(good.digest);
    expect(existsSync(blobFile(dir, good.digest))).toBe(true);
  }, 60_000);
});
