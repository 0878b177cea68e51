// Path traversal and hostile layouts (issue 9): digests, tags and `ref.name` values come from registries and from
// index.json files others wrote. None of them may name a path outside the layout, and index.json, whatever its
// bytes, is either read or refused with an OciError (fuzzed): read, skipping and keeping bad entries, when it is an
// object with schemaVersion 2 and a manifests array; refused otherwise.
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { checkDescriptor, type Descriptor, type Digest, isOciError, OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import { expectCode, putImage } from "@toci/testkit/store-suite";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { readRecordingFs, tempDir } from "./helpers.js";

let parent: string;
let dir: string;
let dispose: () => Promise<void>;
const SENTINEL = "sentinel";
beforeEach(async () => {
  ({ dir: parent, dispose } = await tempDir("toci-fs-hostile-"));
  dir = join(parent, "layout");
  await nodeFs.writeFile(join(parent, SENTINEL), "keep me");
});
afterEach(async () => {
  await dispose();
});

/** Everything under `parent` except the layout: must stay exactly the sentinel. */
async function outside(): Promise<string[]> {
  return (await nodeFs.readdir(parent)).filter((f) => f !== "layout").sort();
}

const HOSTILE_DIGESTS = [
  "sha256:../../../sentinel",
  "sha256:..",
  "sha256:../..",
  "sha256:/etc/passwd",
  `sha256:${"a".repeat(62)}/..`,
  `sha256:..%2F..%2F${"a".repeat(56)}`,
  "../sha256:abc",
  "sha256:",
  ":",
  "",
  `sha512:../${"0".repeat(125)}`,
  "sha256:\u0000",
];

describe("hostile digests", () => {
  it.each(HOSTILE_DIGESTS)("%j never names a path: every call refuses it or finds nothing", async (digest) => {
    const store = await fsStore(dir);
    const d = { mediaType: "application/octet-stream", digest: digest as Digest, size: 7 } as Descriptor;
    const settle = async (p: Promise<unknown>) => {
      try {
        return { value: await p };
      } catch (error) {
        expect(isOciError(error)).toBe(true);
        return { error };
      }
    };
    expect((await settle(store.exists(d))).value ?? false).toBe(false);
    expect((await settle(store.fetch(d))).error).toBeDefined();
    expect((await settle(store.ingest(d))).error).toBeDefined();
    expect((await settle(store.remove(d))).value ?? false).toBe(false);
    expect((await settle(store.resolve(`x@${digest}`))).value).toBeUndefined();
    await settle(store.tag(d, "v1"));
    await settle(store.gc());
    expect(await outside()).toEqual([SENTINEL]);
    expect(await nodeFs.readFile(join(parent, SENTINEL), "utf8")).toBe("keep me");
    expect(await nodeFs.readdir(join(dir, "blobs"))).toEqual([]);
  });
});

describe("hostile tags and ref.name values", () => {
  it("tags are names in index.json, never paths: '../x', '/etc/passwd', NUL, 10 kB", async () => {
    const store = await fsStore(dir);
    const image = await putImage(store, "hostile-tags");
    for (const tag of ["../../sentinel", "/etc/passwd", "a/../../b", "..", "x\u0000y", "t".repeat(10_000)]) {
      try {
        await store.tag(image.manifest, tag);
        expect((await store.resolve(tag))?.digest).toBe(image.manifest.digest);
      } catch (error) {
        expect(isOciError(error)).toBe(true);
      }
    }
    expect(await outside()).toEqual([SENTINEL]);
    expect((await nodeFs.readdir(dir)).sort()).toEqual(["blobs", "index.json", "ingest", "oci-layout"]);
  });

  it("an index.json written by someone else with hostile ref.name values and digests: the bad entry is skipped, never followed", async () => {
    const warnings: unknown[] = [];
    const store = await fsStore(dir, { onWarning: (w) => warnings.push(w) });
    const image = await putImage(store, "hostile-index");
    const good = { ...image.manifest, annotations: { "org.opencontainers.image.ref.name": "../../sentinel" } };
    const bad = {
      mediaType: OCI_MANIFEST,
      digest: "sha256:../../../sentinel",
      size: 7,
      annotations: { "org.opencontainers.image.ref.name": "/etc/passwd" },
    };
    await nodeFs.writeFile(
      join(dir, "index.json"),
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [good, bad] }),
    );
    // Only the valid root counts: its ref.name is just a name. The bad one is skipped by every operation.
    expect((await store.list()).map((r) => r.digest)).toEqual([image.manifest.digest]);
    expect(await store.resolve("/etc/passwd")).toBeUndefined();
    expect((await store.resolve("../../sentinel"))?.digest).toBe(image.manifest.digest);
    expect(await store.gc()).toEqual([]);
    expect(await store.untag("/etc/passwd")).toBe(false);
    expect(await store.untag("../../sentinel")).toBe(true);
    expect(warnings).toHaveLength(6);
    expect(await store.exists(image.manifest)).toBe(true);
    expect(await outside()).toEqual([SENTINEL]);
    // ...and kept for the tool that wrote it.
    const index = JSON.parse(await nodeFs.readFile(join(dir, "index.json"), "utf8"));
    expect(index.manifests).toEqual([bad]);
  });
});

describe("index.json larger than any layout needs", () => {
  it("a 1 GiB index.json (sparse) is refused with STORE naming it, without being read", async () => {
    const { fs, reads } = readRecordingFs();
    const store = await fsStore(dir, { fs });
    await nodeFs.truncate(join(dir, "index.json"), 1024 * 1024 * 1024);
    const error = await store.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "STORE", message: expect.stringContaining("index.json") });
    expect(reads.filter((p) => p.endsWith("index.json"))).toEqual([]);
  });
});

describe("toci's own small files, grown huge", () => {
  it("oci-layout, an upload state, a blob's sources and the lock are checked by size, never read whole", async () => {
    const { fs, bigReads } = readRecordingFs();
    const store = await fsStore(dir, { fs, lockTimeout: 300 });
    const digest = `sha256:${"ab".repeat(32)}` as Digest;
    await store.setUpload("k", { location: "http://127.0.0.1/v2/x/blobs/uploads/1", offset: 0, updatedAt: Date.now() });
    const { layer } = await putImage(store, "huge");
    await store.recordSource(layer.digest, "reg.example/x");
    expect(await store.sources(layer.digest)).toEqual(["reg.example/x"]);
    // An earlier toci's file of the blob's sources, beside the log.
    await nodeFs.writeFile(join(dir, "ingest", "sources", layer.digest.replace(":", "-")), "reg.example/y\n");
    const big = 1024 * 1024 * 1024;
    for (const sub of ["ingest/uploads", "ingest/sources"]) {
      for (const name of await nodeFs.readdir(join(dir, sub))) await nodeFs.truncate(join(dir, sub, name), big);
    }
    expect(await store.getUpload("k")).toBeUndefined(); // no state: the push starts a new session
    expect(await store.sources(layer.digest)).toEqual([]); // hints only
    await nodeFs.writeFile(join(dir, "ingest", "index.json.lock"), "");
    await nodeFs.truncate(join(dir, "ingest", "index.json.lock"), big);
    // Not a lock any toci wrote: broken as stale, so the tag goes through.
    await store.tag({ mediaType: OCI_MANIFEST, digest, size: 2 }, "t");
    expect((await store.list()).map((d) => d.digest)).toEqual([digest]);
    await nodeFs.truncate(join(dir, "oci-layout"), big);
    await expectCode(fsStore(dir, { fs }), "STORE");
    expect(bigReads).toEqual([]);
  });
});

describe("index.json reader (fuzzed)", () => {
  const descriptorish = fc.record(
    {
      mediaType: fc.oneof(fc.constant(OCI_MANIFEST), fc.constant(OCI_INDEX), fc.string()),
      digest: fc.oneof(
        fc.constant("sha256:../../../sentinel"),
        fc.stringMatching(/^sha256:[0-9a-f]{64}$/),
        fc.string(),
      ),
      size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()),
      annotations: fc.dictionary(
        fc.oneof(fc.constant("org.opencontainers.image.ref.name"), fc.string()),
        fc.oneof(fc.string(), fc.integer()),
      ),
    },
    { requiredKeys: [] },
  );
  const indexish = fc.oneof(
    fc.record(
      {
        schemaVersion: fc.oneof(fc.constant(2), fc.integer()),
        mediaType: fc.oneof(fc.constant(OCI_INDEX), fc.string()),
        manifests: fc.oneof(fc.array(descriptorish, { maxLength: 8 }), fc.anything()),
      },
      { requiredKeys: [] },
    ),
    fc.anything(),
  );

  // Always an index with a manifests array, so that the salvage path runs often, not only by chance.
  const salvageableIndex = fc.record({
    schemaVersion: fc.constant(2),
    mediaType: fc.constant(OCI_INDEX),
    manifests: fc.array(fc.oneof(descriptorish, fc.anything()), { maxLength: 8 }),
  });

  /** What the policy (src/index-file.ts) salvages: an object with schemaVersion 2, an index mediaType or none, and
   * a manifests array. Everything else is refused whole. */
  const salvageable = (bytes: Uint8Array): unknown[] | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      return undefined;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const v = value as Record<string, unknown>;
    if (v.schemaVersion !== 2 || (v.mediaType !== undefined && v.mediaType !== OCI_INDEX)) return undefined;
    return Array.isArray(v.manifests) ? v.manifests : undefined;
  };
  const isValidEntry = (entry: unknown): boolean => {
    try {
      checkDescriptor(entry);
      return true;
    } catch {
      return false;
    }
  };

  it("any JSON value or byte string: list/resolve/tag/gc return or throw an OciError, and touch nothing outside", async () => {
    const store = await fsStore(dir);
    const image = await putImage(store, "fuzz");
    const before = await nodeFs.readdir(join(dir, "blobs", "sha256"));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          indexish.map((v) => new TextEncoder().encode(JSON.stringify(v) ?? "null")),
          salvageableIndex.map((v) => new TextEncoder().encode(JSON.stringify(v))),
          fc.uint8Array({ maxLength: 256 }),
        ),
        async (bytes) => {
          await nodeFs.writeFile(join(dir, "index.json"), bytes);
          const entries = salvageable(bytes);
          if (entries === undefined) {
            await expectCode(store.list(), "STORE");
          } else {
            // Salvageable: the valid entries are the roots, and a rewrite keeps every invalid one as it was.
            expect(await store.list()).toEqual(entries.filter(isValidEntry));
            await store.tag(image.manifest, "v1");
            const after = JSON.parse(await nodeFs.readFile(join(dir, "index.json"), "utf8")).manifests as unknown[];
            const bad = entries.filter((e) => !isValidEntry(e)).map((e) => JSON.stringify(e));
            expect(after.map((e) => JSON.stringify(e)).filter((e) => bad.includes(e))).toEqual(bad);
          }
          for (const op of [
            () => store.list(),
            () => store.resolve("v1"),
            () => store.tag(image.manifest, "v1"),
            () => store.gc(),
          ]) {
            try {
              await op();
            } catch (error) {
              if (!isOciError(error)) throw error;
            }
          }
          // gc may only sweep our own unreachable blobs; it never reaches outside.
          expect(await outside()).toEqual([SENTINEL]);
        },
      ),
      { numRuns: 150 },
    );
    expect(before.length).toBeGreaterThan(0);
  }, 60_000); // 150 rewrites of index.json, each fsynced: about a second alone, several on a loaded machine
});
