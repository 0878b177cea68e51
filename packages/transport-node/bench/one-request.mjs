// One request in a fresh process, for the bench's start-up and peak-RSS rows:
//   node one-request.mjs node|fetch ping|blob <url> [sha256:<hex>]
// "ping" GETs the URL and reads its body; "blob" GETs it and checks its sha256 while reading.
import { createHash } from "node:crypto";

const [name, op, url, digest] = process.argv.slice(2);
const transport =
  name === "node"
    ? (await import("../dist/index.js")).nodeTransport()
    : (await import("@toci/transport-fetch")).fetchTransport();
const res = await transport.request({ method: "GET", url });
const hash = op === "blob" ? createHash("sha256") : undefined;
const reader = res.body.getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  hash?.update(value);
}
if (hash && `sha256:${hash.digest("hex")}` !== digest) throw new Error("digest mismatch");
await transport.close?.();
