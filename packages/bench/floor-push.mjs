// The floor of a push: what a registry needs to accept an image, and nothing more. Raw node:http keep-alive, no
// dependencies, no verification, no hashing (the layout's digests are trusted), no resumable state: each blob of the
// tagged image manifest is one POST and one streamed PUT with Content-Length (1 MiB file reads), `C` blobs at once,
// then the manifest PUT by tag. A measuring stick for the bench's push rows, as ceiling-pull.mjs is for pulls: not
// product code (toci verifies every byte it sends and keeps sessions to resume).
//   [C=4] node floor-push.mjs HOST:PORT/REPO:TAG LAYOUT_DIR
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";

const [ref, layout] = process.argv.slice(2);
const C = Number(process.env.C || 4);
const [, host, repo, tag] = /^([^/]+)\/(.+):([^:/]+)$/.exec(ref);
const base = `http://${host}/v2/${repo}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: C + 1 });

function request(url, { method, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res));
    });
    req.on("error", reject);
    if (body && typeof body.pipe === "function") body.pipe(req);
    else req.end(body);
  });
}

function expect(res, status, what) {
  if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode}, expected ${status}`);
}

const blobFile = (digest) => join(layout, "blobs", ...digest.split(":"));

async function pushBlob({ digest, size }) {
  const post = await request(`${base}/blobs/uploads/`, { method: "POST", headers: { "content-length": "0" } });
  expect(post, 202, "POST");
  const location = new URL(post.headers.location, base);
  location.searchParams.set("digest", digest);
  const put = await request(location, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    body: createReadStream(blobFile(digest), { highWaterMark: 1 << 20 }),
  });
  expect(put, 201, `PUT ${digest}`);
}

const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
const root = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
if (!root) throw new Error(`no ${tag} in ${layout}`);
const bytes = await readFile(blobFile(root.digest));
const manifest = JSON.parse(bytes.toString("utf8"));
if (!manifest.layers) throw new Error("an image manifest only (the bench's images)");
const queue = [manifest.config, ...manifest.layers];
await Promise.all(
  Array.from({ length: C }, async () => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) await pushBlob(blob);
  }),
);
const put = await request(`${base}/manifests/${tag}`, {
  method: "PUT",
  headers: { "content-type": root.mediaType, "content-length": String(bytes.byteLength) },
  body: bytes,
});
expect(put, 201, "PUT manifest");
agent.destroy();
