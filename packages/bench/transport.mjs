// The transports alone: one GET of a big layer blob into sha256, in its own process per run (so that user CPU is
// the transport's and the hash's only), against raw node:http as the reference; MB/s and user CPU seconds of the
// transfer itself (process start-up excluded). Run directly, this file is that child:
//   node transport.mjs <node|fetch|http|before> <blob-url>     → one JSON line { seconds, user, bytes, digest }
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { median } from "./lib/measure.mjs";

const self = fileURLToPath(import.meta.url);

if (process.argv[1] === self) {
  const [which, url] = process.argv.slice(2);
  const hash = createHash("sha256");
  let bytes = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (which === "http") {
    await new Promise((resolve, reject) => {
      http.get(url, (res) => {
        res.on("data", (chunk) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        res.on("end", resolve);
        res.on("error", reject);
      });
    });
  } else {
    const transport =
      which === "fetch"
        ? (await import("@toci/transport-fetch")).fetchTransport()
        : which === "before"
          ? (await import(process.env.TOCI_BEFORE)).nodeTransport()
          : (await import("@toci/transport-node")).nodeTransport();
    const res = await transport.request({ method: "GET", url });
    if (process.env.BYOB) {
      // A BYOB reader reusing one 1 MiB buffer (each read transfers it and hands it back).
      const reader = res.body.getReader({ mode: "byob" });
      let buffer = new ArrayBuffer(1 << 20);
      for (;;) {
        const { done, value } = await reader.read(new Uint8Array(buffer));
        if (done) break;
        hash.update(value);
        bytes += value.byteLength;
        buffer = value.buffer;
      }
    } else {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        bytes += value.byteLength;
      }
    }
    await transport.close?.();
  }
  const seconds = (performance.now() - started) / 1000;
  const user = process.cpuUsage(cpu).user / 1e6;
  console.log(JSON.stringify({ seconds, user, bytes, digest: `sha256:${hash.digest("hex")}` }));
}

/** Rows of the transport group: each tool GETs the largest layer of "big" once per round, rotated. */
export async function transportRows(registryUrl, _work, rounds) {
  const manifest = await (
    await fetch(`${registryUrl}/v2/big/manifests/v1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    })
  ).json();
  const layer = manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
  const url = `${registryUrl}/v2/big/blobs/${layer.digest}`;
  const tools = ["node", "http", "fetch", ...(process.env.TOCI_BEFORE ? ["before"] : [])];
  const runs = Object.fromEntries(tools.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < tools.length; i++) {
      const tool = tools[(i + r) % tools.length];
      const out = JSON.parse(execFileSync("node", [self, tool, url], { encoding: "utf8" }));
      if (out.digest !== layer.digest || out.bytes !== layer.size) throw new Error(`${tool}: wrong bytes`);
      runs[tool].push(out);
      process.stderr.write(
        `GET ${layer.size >> 20} MiB r${r} ${tool.padEnd(6)} ${(out.bytes / 1e6 / out.seconds).toFixed(0)} MB/s user ${out.user.toFixed(2)} s\n`,
      );
    }
  }
  const lines = [
    `### one GET of a ${layer.size >> 20} MiB blob into sha256, in-process time (node = @toci/transport-node, http = raw node:http, fetch = @toci/transport-fetch${process.env.TOCI_BEFORE ? ", before = TOCI_BEFORE" : ""})`,
    "",
    "| tool | MB/s per round | median MB/s | user CPU s per round | median user CPU s |",
    "|---|---|---|---|---|",
  ];
  for (const tool of tools) {
    const rates = runs[tool].map((x) => x.bytes / 1e6 / x.seconds);
    const users = runs[tool].map((x) => x.user);
    lines.push(
      `| ${tool} | ${rates.map((x) => x.toFixed(0)).join(" ")} | ${median(rates).toFixed(0)} | ${users.map((x) => x.toFixed(2)).join(" ")} | ${median(users).toFixed(2)} |`,
    );
  }
  return [...lines, ""];
}
