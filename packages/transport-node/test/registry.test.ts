// Against the real thing: distribution 2.8.2 (the Debian package docker-registry, started by testkit) over TLS with
// the test CA given as `ca`. A blob upload (POST, then PUT with a Blob body), HEAD and GET of it, on one
// connection; and the same registry refused without the CA.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { isOciError } from "@toci/spec-types";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, expect, it } from "vitest";
import { nodeTransport } from "../src/index.js";

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ tls: true });
}, 30_000);
afterAll(() => registry?.stop());

it("uploads, HEADs and GETs a blob over TLS with the test CA", async () => {
  await using transport = nodeTransport({ ca: readFileSync(registry.caFile!, "utf8") });
  const ping = await transport.request({ method: "GET", url: `${registry.url}/v2/` });
  expect(ping.status).toBe(200);
  await ping.body?.cancel();

  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const post = await transport.request({ method: "POST", url: `${registry.url}/v2/node/test/blobs/uploads/` });
  expect(post.status).toBe(202);
  await post.body?.cancel();
  const location = new URL(post.headers.get("location")!, registry.url);
  location.searchParams.set("digest", digest);
  const put = await transport.request({
    method: "PUT",
    url: location.href,
    headers: { "content-type": "application/octet-stream" },
    body: new Blob([bytes]),
  });
  expect(put.status).toBe(201);
  await put.body?.cancel();

  const blobUrl = `${registry.url}/v2/node/test/blobs/${digest}`;
  const head = await transport.request({ method: "HEAD", url: blobUrl });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-length")).toBe(String(bytes.length));
  expect(head.headers.get("docker-content-digest")).toBe(digest);

  const get = await transport.request({ method: "GET", url: blobUrl });
  expect(get.status).toBe(200);
  const hash = createHash("sha256");
  let length = 0;
  const reader = get.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    length += value.byteLength;
  }
  expect(length).toBe(bytes.length);
  expect(`sha256:${hash.digest("hex")}`).toBe(digest);
}, 30_000);

it("refuses the registry's certificate without the CA", async () => {
  await using transport = nodeTransport({ retry: false });
  const error = await transport.request({ method: "GET", url: `${registry.url}/v2/` }).catch((e: unknown) => e);
  expect(isOciError(error) && error.code).toBe("NETWORK");
});
