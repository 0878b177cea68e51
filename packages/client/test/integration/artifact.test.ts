// Artifacts against distribution 2.8.2: pushArtifact builds the manifest image-spec and oras-go build (field by
// field), streams Blobs, keeps the referrers fallback index; artifactFiles lists what a pull stored; every transfer's
// last event names its root.
import { type Descriptor, EMPTY_DESCRIPTOR, type Manifest, OCI_MANIFEST, readAll } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { artifact, ociImage, pushFixture, seededBytes, sha256 } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { artifactFiles } from "../../src/index.js";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");

async function manifestOf(
  url: string,
  repo: string,
  reference: string,
): Promise<{ bytes: Uint8Array; json: Manifest }> {
  const response = await fetch(`${url}/v2/${repo}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } });
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { bytes, json: JSON.parse(new TextDecoder().decode(bytes)) };
}

const text = async (stream: ReadableStream<Uint8Array>) => new TextDecoder().decode(await readAll(stream, 1 << 26));

/** A Blob that records how it is read: streamed and sliced, never read whole. */
class WatchedBlob extends Blob {
  wholeReads = 0;
  override arrayBuffer(): Promise<ArrayBuffer> {
    this.wholeReads++;
    return super.arrayBuffer();
  }
  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    this.wholeReads++;
    return super.bytes();
  }
  override text(): Promise<string> {
    this.wholeReads++;
    return super.text();
  }
}

describe("pushArtifact", () => {
  it("pushes files as image-spec and oras-go lay an artifact out, and the last event names it", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("artifacts");
    const { client, store } = newClient();
    const big = seededBytes("artifact-big", 3_000_000);
    const blob = new WatchedBlob([big as BlobPart]);
    const events = await collect(
      client
        .registry(plain.url)
        .repo(repo)
        .pushArtifact(
          [
            { name: "readme.md", data: "# hello\n", mediaType: "text/markdown" },
            { name: "data/weights.bin", data: blob, annotations: { "com.example.part": "1" } },
            { name: "empty", data: new Uint8Array() },
          ],
          { artifactType: "application/vnd.example.model.v1", tag: "v1", annotations: { "com.example.k": "v" } },
        ),
    );
    expect(succeeded(events)).toBe(true);
    const root = (events.at(-1) as { root: Descriptor }).root;
    const { bytes, json } = await manifestOf(plain.url, repo, "v1");
    expect(root).toEqual({
      mediaType: OCI_MANIFEST,
      digest: sha256(bytes),
      size: bytes.byteLength,
      artifactType: "application/vnd.example.model.v1",
    });
    // Field by field, in oras-go's order: schemaVersion, mediaType, artifactType, config, layers, annotations.
    expect(Object.keys(json)).toEqual([
      "schemaVersion",
      "mediaType",
      "artifactType",
      "config",
      "layers",
      "annotations",
    ]);
    expect(json.config).toEqual({ ...EMPTY_DESCRIPTOR });
    expect(json.layers).toEqual([
      {
        mediaType: "text/markdown",
        digest: sha256(new TextEncoder().encode("# hello\n")),
        size: 8,
        annotations: { "org.opencontainers.image.title": "readme.md" },
      },
      {
        mediaType: "application/octet-stream",
        digest: sha256(big),
        size: big.byteLength,
        annotations: { "com.example.part": "1", "org.opencontainers.image.title": "data/weights.bin" },
      },
      {
        mediaType: "application/octet-stream",
        digest: sha256(new Uint8Array()),
        size: 0,
        annotations: { "org.opencontainers.image.title": "empty" },
      },
    ]);
    expect(json.annotations?.["com.example.k"]).toBe("v");
    // Percent by bytes of the whole artifact: the total is every blob and the manifest, known before the first
    // byte is counted (only the opening event, before the files are hashed, says 0 of 0).
    const total = 2 + 8 + big.byteLength + bytes.byteLength;
    const progress = events.filter((e) => e.type === "progress");
    expect(progress.filter((e) => e.bytes > 0).map((e) => e.totalBytes)).toEqual(
      progress.filter((e) => e.bytes > 0).map(() => total),
    );
    expect(progress.at(-1)).toMatchObject({ percent: 100, bytes: total, totalBytes: total });
    expect(json.annotations?.["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(blob.wholeReads).toBe(0);
    // Nothing went into the store: the files are the caller's.
    expect(await store.list()).toEqual([]);
    expect(await store.exists(root)).toBe(false);
  });

  it("without files, the one layer is the empty descriptor; a config of its own needs no artifactType", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("artifacts");
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    const created = "2026-01-02T03:04:05+01:00";
    const none = await collect(
      r.pushArtifact([], {
        artifactType: "application/vnd.example.flag",
        tag: "flag",
        annotations: { "org.opencontainers.image.created": created },
      }),
    );
    expect(succeeded(none)).toBe(true);
    const flag = (await manifestOf(plain.url, repo, "flag")).json;
    expect(flag.layers).toEqual([{ ...EMPTY_DESCRIPTOR }]);
    expect(flag.annotations).toEqual({ "org.opencontainers.image.created": created });
    const config = { mediaType: "application/vnd.example.config.v1+json", data: '{"a":1}' };
    expect(succeeded(await collect(r.pushArtifact([{ name: "f", data: "x" }], { config, tag: "configured" })))).toBe(
      true,
    );
    const configured = (await manifestOf(plain.url, repo, "configured")).json;
    expect(configured.artifactType).toBeUndefined();
    expect(configured.config).toEqual({
      mediaType: config.mediaType,
      digest: sha256(new TextEncoder().encode(config.data)),
      size: 7,
    });
  });

  it("with a subject, is a referrer of it (the fallback index maintained on a registry without the API)", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("artifacts");
    const image = ociImage({ seed: "artifact-subject", layerSizes: [100] });
    await pushFixture(image, { url: plain.url, repo, tag: "v1" });
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    const subject = (await r.resolve("v1"))!;
    const events = await collect(
      r.pushArtifact([{ name: "sbom.json", data: "{}", mediaType: "application/spdx+json" }], {
        artifactType: "application/spdx+json",
        subject,
      }),
    );
    expect(succeeded(events)).toBe(true);
    const root = (events.at(-1) as { root: Descriptor }).root;
    const referrers = await r.referrers(subject);
    expect(referrers.map((d) => [d.digest, d.artifactType])).toEqual([[root.digest, "application/spdx+json"]]);
    const { json } = await manifestOf(plain.url, repo, root.digest);
    expect(json.subject).toEqual({ mediaType: subject.mediaType, digest: subject.digest, size: subject.size });
  });

  it.each([
    [
      "two files of one name",
      [
        { name: "a", data: "1" },
        { name: "a", data: "2" },
      ],
      {},
    ],
    ["an absolute name", [{ name: "/etc/passwd", data: "1" }], {}],
    ["a .. component", [{ name: "a/../../b", data: "1" }], {}],
    ["a backslash", [{ name: "a\\b", data: "1" }], {}],
    ["a NUL", [{ name: "a\u0000b", data: "1" }], {}],
    ["an empty name", [{ name: "", data: "1" }], {}],
    ["no artifactType and no config", [{ name: "a", data: "1" }], { artifactType: undefined }],
    ["a created date that is not RFC 3339", [], { annotations: { "org.opencontainers.image.created": "yesterday" } }],
    ["a media type that is not one", [{ name: "a", data: "1", mediaType: "not a type" }], {}],
  ])("refuses %s with INVALID_ARGUMENT before sending anything", async (_name, files, extra) => {
    const { client } = newClient();
    proxy.clearRequests();
    const repo = uniqueRepo("artifacts");
    const options = { artifactType: "application/vnd.example", tag: "x", ...extra };
    const events = await collect(client.registry(proxy.url).repo(repo).pushArtifact(files, options));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "INVALID_ARGUMENT" } });
    expect(proxy.requests.filter((r) => r.path.includes(repo))).toEqual([]);
  });
});

describe("artifactFiles", () => {
  it("lists the files of a pulled artifact, by title, the untitled by digest, oras directories as directories", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("artifacts");
    const untitled = new TextEncoder().encode("no title");
    const fixture = artifact({
      artifactType: "application/vnd.example",
      files: [
        { data: new TextEncoder().encode("hello\n"), title: "hello.txt" },
        { data: untitled, mediaType: "application/octet-stream" },
      ],
    });
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const store = memoryStore();
    const { client } = newClient(store);
    const events = await collect(client.registry(plain.url).repo(repo).pull("v1"));
    expect(succeeded(events)).toBe(true);
    expect((events.at(-1) as { root: Descriptor }).root.digest).toBe(fixture.root.digest);
    const files = await artifactFiles(store, `${client.registry(plain.url).repo(repo).reference}:v1`);
    expect(files.map((f) => [f.name, f.titled, f.type, f.size])).toEqual([
      ["hello.txt", true, "file", 6],
      [sha256(untitled), false, "file", untitled.byteLength],
    ]);
    expect(await text(files[0]!.stream())).toBe("hello\n");
    expect(await (await files[1]!.blob()).text()).toBe("no title");
  });

  it("reports an oras directory as a directory, refuses an index, and errors a stream whose bytes lie", async () => {
    const store = memoryStore();
    const { writeBlob, describe: describeContent } = await import("@toci/spec-types");
    const layerBytes = new TextEncoder().encode("not really a tar.gz");
    const layer = {
      ...(await describeContent(layerBytes, { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" })),
      annotations: { "org.opencontainers.image.title": "dir", "io.deis.oras.content.unpack": "true" },
    };
    await writeBlob(store, layer, layerBytes);
    const put = async (value: unknown, mediaType: string) => {
      const bytes = new TextEncoder().encode(JSON.stringify(value));
      const d = await describeContent(bytes, { mediaType });
      await writeBlob(store, d, bytes);
      return d;
    };
    const manifest = await put(
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...EMPTY_DESCRIPTOR }, layers: [layer] },
      OCI_MANIFEST,
    );
    const [dir] = await artifactFiles(store, manifest);
    expect(dir).toMatchObject({ name: "dir", type: "directory" });
    const index = await put(
      { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [manifest] },
      "application/vnd.oci.image.index.v1+json",
    );
    await expect(artifactFiles(store, index)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(artifactFiles(store, "nothing")).rejects.toMatchObject({ code: "NOT_FOUND" });
    // A manifest that claims other bytes than the store holds: the store's verification errors the stream.
    const lying = await put(
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...EMPTY_DESCRIPTOR },
        layers: [{ ...layer, digest: sha256(new TextEncoder().encode("other")), size: layer.size }],
      },
      OCI_MANIFEST,
    );
    const [bad] = await artifactFiles(store, lying);
    await expect(text(bad!.stream())).rejects.toMatchObject({ name: "OciError" });
  });
});

describe("the last event names the root", () => {
  it("of a pull, a tree push, a copy and a blob push", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("artifacts");
    const image = ociImage({ seed: "root-event", layerSizes: [100] });
    await pushFixture(image, { url: plain.url, repo, tag: "v1" });
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    const lastOf = async (events: AsyncIterable<unknown>) => {
      const all = await collect(events as never);
      expect(succeeded(all)).toBe(true);
      return (all.at(-1) as { root?: Descriptor }).root;
    };
    expect((await lastOf(r.pull("v1")))?.digest).toBe(image.root.digest);
    expect((await lastOf(r.push(image.root, { tag: "v2" })))?.digest).toBe(image.root.digest);
    const copyTo = client.registry(plain.url).repo(uniqueRepo("artifacts"));
    expect((await lastOf(client.copy(r, "v1", copyTo)))?.digest).toBe(image.root.digest);
    const bytes = seededBytes("root-event-blob", 10);
    const blob = { mediaType: "application/octet-stream", digest: sha256(bytes), size: 10 };
    expect(await lastOf(r.push(bytes, blob))).toEqual(blob);
  });
});
