// Metadata latency in one process: 200 sequential operations through the client (nodeTransport) against the same
// requests on raw node:http with a keep-alive agent (the ceiling), alternating per round; ms per operation.
import http from "node:http";
import { Client } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { nodeTransport } from "@toci/transport-node";
import { TAG } from "./lib/images.mjs";
import { median } from "./lib/measure.mjs";

const N = 200;
const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

export async function metadataRows(url, rounds) {
  const client = new Client({ transport: nodeTransport(), store: memoryStore() });
  const registry = client.registry(url);
  const repo = registry.repo("many");
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const raw = (method, path, accept) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${url}${path}`, { method, agent, headers: accept ? { accept } : {} }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
  const ops = [
    ["ping (GET /v2/)", () => registry.ping(), () => raw("GET", "/v2/")],
    ["resolve (HEAD manifest)", () => repo.resolve(TAG), () => raw("HEAD", `/v2/many/manifests/${TAG}`, ACCEPT)],
    ["tags (GET tags/list)", () => repo.tags(), () => raw("GET", "/v2/many/tags/list")],
  ];
  const lines = [
    "### metadata, ms per operation (200 sequential, one process)",
    "",
    "| op | node:http rounds | toci rounds | node:http median | toci median | toci ÷ node:http (median of rounds) |",
    "|---|---|---|---|---|---|",
  ];
  try {
    for (const [label, tociOp, rawOp] of ops) {
      await perOp(tociOp, 20);
      await perOp(rawOp, 20);
      const r = [];
      const t = [];
      for (let round = 0; round < rounds; round++) {
        const pair =
          round % 2
            ? [
                [t, tociOp],
                [r, rawOp],
              ]
            : [
                [r, rawOp],
                [t, tociOp],
              ];
        for (const [list, op] of pair) list.push(await perOp(op, N));
      }
      const ratios = t.map((x, i) => x / r[i]);
      lines.push(
        `| ${label} | ${r.map((x) => x.toFixed(2)).join(" ")} | ${t.map((x) => x.toFixed(2)).join(" ")} | ${median(r).toFixed(3)} | ${median(t).toFixed(3)} | **${median(ratios).toFixed(2)}** |`,
      );
      process.stderr.write(`${label}: node:http ${median(r).toFixed(3)} ms, toci ${median(t).toFixed(3)} ms\n`);
    }
  } finally {
    await client.close();
    agent.destroy();
  }
  return [...lines, ""];
}

async function perOp(fn, n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1e6 / n;
}
