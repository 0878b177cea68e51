// serveContent() over a memory store holding artifacts as a pull leaves them (blobs, and a root tagged with the
// full reference): which URL serves which file, Range, validators, Content-Type, and what it leaves alone.
import { writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { artifact, type Fixture, multiArchIndex } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { serveContent } from "../src/index.js";

const encode = (text: string) => new TextEncoder().encode(text);
const LAYER = "application/vnd.oci.image.layer.v1.tar";
const files = artifact({
  files: [
    { title: "hello.txt", data: encode("hello, offline world\n"), mediaType: LAYER },
    { title: "dir/page.html", data: encode("<!doctype html><p>hi</p>"), mediaType: LAYER },
    { title: "with space.js", data: encode("export const x = 1;\n"), mediaType: LAYER },
    { title: "logo.bin", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), mediaType: "image/png" },
    { title: "../../etc/passwd", data: encode("not a path on any disk"), mediaType: LAYER },
    { title: "bad\u0001name", data: encode("unreachable"), mediaType: LAYER },
    { title: "hello.txt", data: encode("a second hello.txt"), mediaType: LAYER },
    { data: encode("untitled"), mediaType: "application/octet-stream" },
    { title: "empty.txt", data: new Uint8Array(0), mediaType: LAYER },
  ],
});
const untitled = files.blobs.find((b) => new TextDecoder().decode(b.bytes) === "untitled")!.descriptor;
const helloDigest = files.blobs.find((b) => new TextDecoder().decode(b.bytes) === "hello, offline world\n")!.descriptor
  .digest;

const store = memoryStore();
const serve = serveContent({ store, prefix: "/content/" });
const get = (path: string, init?: RequestInit) => serve(new Request(`https://app.example${path}`, init));

async function put(fixture: Fixture, name: string): Promise<void> {
  for (const blob of fixture.blobs) await writeBlob(store, blob.descriptor, blob.bytes!);
  await store.tag(fixture.root, name);
}

beforeAll(async () => {
  await put(files, "registry.example:5000/demo/files:v1");
  await put(multiArchIndex({ seed: "content" }), "registry.example:5000/demo/image:v1");
});

describe("serveContent", () => {
  it("serves a file by repository, tag and title, typed by its name, tagged by its digest", async () => {
    const response = (await get("/content/demo/files/v1/hello.txt"))!;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello, offline world\n");
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("etag")).toBe(`"${helloDigest}"`);
    expect(response.headers.get("content-length")).toBe("21");
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("names the repository with or without its registry, the tag by name or digest", async () => {
    for (const path of [
      "/content/registry.example:5000/demo/files/v1/hello.txt",
      `/content/demo/files/${files.root.digest}/hello.txt`,
    ]) {
      expect(await (await get(path))!.text(), path).toBe("hello, offline world\n");
    }
  });

  it("serves titles with slashes and escaped characters, a specific media type as it is, untitled layers by digest", async () => {
    const page = (await get("/content/demo/files/v1/dir/page.html"))!;
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const script = (await get("/content/demo/files/v1/with%20space.js"))!;
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await get("/content/demo/files/v1/logo.bin"))!.headers.get("content-type")).toBe("image/png");
    const byDigest = (await get(`/content/demo/files/v1/${untitled.digest}`))!;
    expect(await byDigest.text()).toBe("untitled");
    expect(byDigest.headers.get("content-type")).toBe("application/octet-stream");
  });

  it("treats titles as names, never paths; leaves out names no URL can carry; a repeated title is its first layer", async () => {
    expect(await (await get("/content/demo/files/v1/..%2F..%2Fetc%2Fpasswd"))!.text()).toBe("not a path on any disk");
    expect((await get("/content/demo/files/v1/bad%01name"))!.status).toBe(404);
    expect(await (await get("/content/demo/files/v1/hello.txt"))!.text()).toBe("hello, offline world\n");
  });

  it("lists an artifact's files as JSON", async () => {
    const listing = (await (await get("/content/demo/files/v1/"))!.json()) as { files: { name: string }[] };
    expect(listing.files.map((f) => f.name)).toEqual([
      "hello.txt",
      "dir/page.html",
      "with space.js",
      "logo.bin",
      "../../etc/passwd",
      untitled.digest,
      "empty.txt",
    ]);
  });

  it.each([
    ["bytes=7-11", 206, "offli", "bytes 7-11/21"],
    ["bytes=15-", 206, "world\n", "bytes 15-20/21"],
    ["bytes=-6", 206, "world\n", "bytes 15-20/21"],
    ["bytes=0-999", 206, "hello, offline world\n", "bytes 0-20/21"],
    ["bytes=0-1,4-5", 200, "hello, offline world\n", null],
    ["bytes=9-3", 200, "hello, offline world\n", null],
  ])("answers Range %s with %i", async (range, status, body, contentRange) => {
    const response = (await get("/content/demo/files/v1/hello.txt", { headers: { range } }))!;
    expect(response.status).toBe(status);
    expect(await response.text()).toBe(body);
    expect(response.headers.get("content-range")).toBe(contentRange);
    expect(response.headers.get("content-length")).toBe(String(body.length));
  });

  it("answers an unsatisfiable range with 416 and the size", async () => {
    const response = (await get("/content/demo/files/v1/hello.txt", { headers: { range: "bytes=21-" } }))!;
    expect(response.status).toBe(416);
    expect(response.headers.get("content-range")).toBe("bytes */21");
    const empty = (await get("/content/demo/files/v1/empty.txt"))!;
    expect([empty.status, await empty.text(), empty.headers.get("content-length")]).toEqual([200, "", "0"]);
  });

  it("honours If-None-Match and If-Range, and HEAD", async () => {
    const etag = `"${helloDigest}"`;
    const notModified = (await get("/content/demo/files/v1/hello.txt", { headers: { "if-none-match": etag } }))!;
    expect(notModified.status).toBe(304);
    const stale = (await get("/content/demo/files/v1/hello.txt", {
      headers: { range: "bytes=0-4", "if-range": '"sha256:other"' },
    }))!;
    expect(stale.status).toBe(200);
    const fresh = (await get("/content/demo/files/v1/hello.txt", {
      headers: { range: "bytes=0-4", "if-range": etag },
    }))!;
    expect(await fresh.text()).toBe("hello");
    const head = (await get("/content/demo/files/v1/hello.txt", { method: "HEAD" }))!;
    expect([head.status, head.headers.get("content-length"), await head.text()]).toEqual([200, "21", ""]);
  });

  it("answers 404 inside the prefix: unknown repository, tag or file, an image (an index has no files)", async () => {
    for (const path of [
      "/content/demo/nothing/v1/hello.txt",
      "/content/demo/files/v2/hello.txt",
      "/content/demo/files/v1/nope.txt",
      "/content/demo/image/v1/anything",
      "/content/demo/files/v1",
    ]) {
      expect((await get(path))!.status, path).toBe(404);
    }
    expect((await get("/content/demo/files/v1/%E0%A4%A"))!.status).toBe(400);
  });

  it("refuses a path that names a file of two artifacts, and serves each where only one has it", async () => {
    // `demo/shadow:v1` holds `data.txt/x`; a second root, `demo/shadow/v1:data.txt`, holds `x`: both read
    // /content/demo/shadow/v1/data.txt/x. Neither may serve its bytes at a URL the other answers to.
    const trusted = artifact({ files: [{ title: "data.txt/x", data: encode("TRUSTED"), mediaType: LAYER }] });
    const shadow = artifact({
      files: [
        { title: "x", data: encode("SHADOW"), mediaType: LAYER },
        { title: "only-here", data: encode("ONLY"), mediaType: LAYER },
      ],
    });
    await put(trusted, "registry.example:5000/demo/shadow:v1");
    await put(shadow, "registry.example:5000/demo/shadow/v1:data.txt");
    const both = (await get("/content/demo/shadow/v1/data.txt/x"))!;
    expect(both.status).toBe(409);
    expect(await both.text()).toMatch(/demo\/shadow\/v1:data\.txt, demo\/shadow:v1/);
    // Paths that only one root has a file at are served by it.
    expect(await (await get("/content/demo/shadow/v1/data.txt/only-here"))!.text()).toBe("ONLY");
    await store.untag("registry.example:5000/demo/shadow/v1:data.txt");
    expect(await (await get("/content/demo/shadow/v1/data.txt/x"))!.text()).toBe("TRUSTED");
  });

  it("leaves alone what is not its own: other paths, other methods, other origins", async () => {
    expect(await get("/elsewhere/demo/files/v1/hello.txt")).toBeUndefined();
    expect(await get("/content/demo/files/v1/hello.txt", { method: "POST", body: "x" })).toBeUndefined();
    const bound = serveContent({ store, prefix: "https://app.example/content" });
    const other = await bound(new Request("https://cdn.example/content/demo/files/v1/hello.txt"));
    expect(other).toBeUndefined();
    const own = await bound(new Request("https://app.example/content/demo/files/v1/hello.txt"));
    expect(own?.status).toBe(200);
  });
});
