// The referrers fallback tag `<alg>-<hex>` and the referrers API's 404 (issue 19, "Referrers and abilities"): a tag
// that holds the subject itself (GitLab: oras-project/oras#2148) or any index that is not a referrers list is neither
// read as referrers nor overwritten, and only a 404 that means "no such endpoint" switches the API off.
import { createHash } from "node:crypto";
import { type Descriptor, isOciError, OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client, type Logger } from "../src/index.js";
import { strict } from "../src/strict.js";
import { handlerTransport, json } from "./helpers/handler-transport.js";

const ORIGIN = "https://registry.example";
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const sha = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const describeBytes = (bytes: Uint8Array, mediaType: string): Descriptor => ({
  mediaType,
  digest: sha(bytes) as Descriptor["digest"],
  size: bytes.byteLength,
});

const EMPTY = { mediaType: "application/vnd.oci.empty.v1+json", digest: sha(encode({})), size: 2 };
const platformImage = (n: number): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64)}`,
  size: 100,
  platform: { architecture: n === 1 ? "amd64" : "arm64", os: "linux" },
});
/** A multi-platform image: the subject of the referrers below. */
const SUBJECT_BYTES = encode({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [platformImage(1), platformImage(2)],
});
const SUBJECT = describeBytes(SUBJECT_BYTES, OCI_INDEX);
const TAG = `sha256-${SUBJECT.digest.slice("sha256:".length)}`;

function referrer(artifactType: string): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = encode({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY,
    layers: [EMPTY],
    subject: SUBJECT,
  });
  return { bytes, descriptor: { ...describeBytes(bytes, OCI_MANIFEST), artifactType } };
}

interface Options {
  /** What the fallback tag holds; undefined: nothing (404). */
  tag?: { bytes: Uint8Array; type: string; etag?: string };
  /** Answers a PUT of the tag before it is stored (a 412 for another writer's If-Match). */
  beforePut?: (ifMatch: string | null) => Response | undefined;
  /** The referrers API's answer. */
  api: () => Response;
}

function setup(options: Options) {
  const puts: string[] = [];
  let apiCalls = 0;
  const transport = handlerTransport(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v2/") return new Response(null, { status: 200 });
    if (path.startsWith("/v2/a/b/referrers/")) {
      apiCalls++;
      return options.api();
    }
    if (req.method === "PUT" && path.startsWith("/v2/a/b/manifests/")) {
      const bytes = new Uint8Array(await req.arrayBuffer());
      puts.push(path.slice("/v2/a/b/manifests/".length));
      if (path.includes("/manifests/sha256-")) {
        const refused = options.beforePut?.(req.headers.get("if-match"));
        if (refused) return refused;
        options.tag = { bytes, type: req.headers.get("content-type") ?? "", etag: `"${sha(bytes)}"` };
      }
      return new Response(null, { status: 201, headers: { "docker-content-digest": sha(bytes) } });
    }
    if (path.startsWith("/v2/a/b/manifests/sha256-") && options.tag) {
      return new Response(req.method === "HEAD" ? null : (options.tag.bytes as BodyInit), {
        headers: {
          "content-type": options.tag.type,
          "docker-content-digest": sha(options.tag.bytes),
          ...(options.tag.etag ? { etag: options.tag.etag } : {}),
        },
      });
    }
    return json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
  });
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
  const client = new Client({ transport, store: memoryStore(), logger });
  const repo = strict(client.registry(ORIGIN).repo("a/b"));
  return { repo, puts, warnings, apiCalls: () => apiCalls, tag: () => options.tag };
}

/** distribution 2.8.2's answer where the API does not exist: its router's text/plain 404. */
const noEndpoint = () =>
  new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain" } });

describe("the fallback tag holds something that is not a referrers index", () => {
  it("the subject itself (GitLab): no referrers read, and an attach refuses to overwrite it", async () => {
    const s = setup({ tag: { bytes: SUBJECT_BYTES, type: OCI_INDEX }, api: noEndpoint });
    // Read as an index, the subject would list its two platform images as referrers.
    expect(await s.repo.referrers(SUBJECT)).toEqual([]);
    expect(s.warnings.join("\n")).toMatch(/holds the subject itself: not read as referrers/);
    const sig = referrer("application/example.signature");
    const error = await s.repo.tag(sig.bytes, "sig").catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("MANIFEST_INVALID");
    expect((error as Error).message).toMatch(/holds the subject itself: not overwritten/);
    expect(s.puts).toEqual(["sig"]);
    expect(s.tag()?.bytes).toEqual(SUBJECT_BYTES);
  });

  it("a subject that is an image manifest: no referrers, no error", async () => {
    const image = encode({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY, layers: [] });
    const s = setup({ tag: { bytes: image, type: OCI_MANIFEST }, api: noEndpoint });
    expect(await s.repo.referrers(describeBytes(image, OCI_MANIFEST))).toEqual([]);
    expect(s.warnings.join("\n")).toMatch(/holds the subject itself/);
  });

  it("another index of platform images (not the subject): not referrers, not overwritten", async () => {
    const other = encode({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [platformImage(3)] });
    const s = setup({ tag: { bytes: other, type: OCI_INDEX }, api: noEndpoint });
    expect(await s.repo.referrers(SUBJECT)).toEqual([]);
    expect(s.warnings.join("\n")).toMatch(/an index of platform images/);
    await expect(s.repo.tag(referrer("application/example").bytes, "x")).rejects.toThrow(/not overwritten/);
    expect(s.tag()?.bytes).toEqual(other);
  });

  it("a real fallback index is read and kept up to date", async () => {
    const first = referrer("application/example.sbom");
    const index = encode({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [first.descriptor] });
    const s = setup({ tag: { bytes: index, type: OCI_INDEX }, api: noEndpoint });
    expect(await s.repo.referrers(SUBJECT)).toEqual([first.descriptor]);
    const second = referrer("application/example.signature");
    await s.repo.tag(second.bytes, "sig");
    expect(s.puts).toEqual(["sig", TAG]);
    expect(await s.repo.referrers(SUBJECT)).toEqual([first.descriptor, second.descriptor]);
  });
});

describe("a conditional update of the fallback index", () => {
  it("sends If-Match with the ETag read, and on 412 reads again and keeps the other writer's entry", async () => {
    const first = referrer("application/example.sbom");
    const index = encode({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [first.descriptor] });
    const other = referrer("application/example.vex");
    const theirs = encode({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [first.descriptor, other.descriptor] });
    const seen: Array<string | null> = [];
    const options: Options = { tag: { bytes: index, type: OCI_INDEX, etag: '"one"' }, api: noEndpoint };
    options.beforePut = (ifMatch) => {
      seen.push(ifMatch);
      if (ifMatch === '"one"') {
        // Another writer came first: the index now holds its entry, under a new ETag.
        options.tag = { bytes: theirs, type: OCI_INDEX, etag: '"two"' };
        return new Response(null, { status: 412 });
      }
      return undefined;
    };
    const s = setup(options);
    const mine = referrer("application/example.signature");
    await s.repo.tag(mine.bytes, "sig");
    expect(seen).toEqual(['"one"', '"two"']);
    expect(await s.repo.referrers(SUBJECT)).toEqual([first.descriptor, other.descriptor, mine.descriptor]);
  });
});

describe("a 404 from the referrers API", () => {
  it("a router's 404 (no such endpoint) switches the API off for the registry", async () => {
    const s = setup({ api: noEndpoint });
    expect(await s.repo.referrers(SUBJECT)).toEqual([]);
    expect(await s.repo.referrers(SUBJECT)).toEqual([]);
    expect(s.apiCalls()).toBe(1);
  });

  it.each(["NAME_UNKNOWN", "MANIFEST_UNKNOWN"])(
    "a JSON %s (one repository or subject) falls back this once and learns nothing",
    async (code) => {
      const s = setup({ api: () => json({ errors: [{ code, message: "unknown" }] }, { status: 404 }) });
      expect(await s.repo.referrers(SUBJECT)).toEqual([]);
      expect(await s.repo.referrers(SUBJECT)).toEqual([]);
      expect(s.apiCalls()).toBe(2);
    },
  );
});
