#!/usr/bin/env node
// Serves the built site (.vitepress/dist) and, when TOCI_PLAYGROUND_REGISTRY is set, the playground's same-origin
// registry proxy (server/proxy.mjs). `npm run preview -w @toci/docs` runs this; the Playwright tests start it too.
//   TOCI_PLAYGROUND_REGISTRY=http://127.0.0.1:5001 PORT=4173 node server/serve.mjs
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRegistryProxy, registryFromEnv } from "./proxy.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Starts the server. Resolves once it listens.
 * @param {{ port?: number, host?: string, root?: string, registry?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, server: http.Server, close(): Promise<void> }>}
 */
export async function serve(options = {}) {
  const root = resolve(options.root ?? fileURLToPath(new URL("../.vitepress/dist/", import.meta.url)));
  const registry = options.registry ?? registryFromEnv();
  const log = options.log ?? ((line) => console.log(line));
  const proxy = registry ? createRegistryProxy({ registry, log }) : undefined;

  /** @param {string} path */
  const file = (path) => {
    try {
      return statSync(path).isFile() ? path : undefined;
    } catch {
      return undefined;
    }
  };

  const server = http.createServer((req, res) => {
    if (proxy?.handle(req, res)) return;
    if (req.url === "/_toci/proxy") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ registry: null }));
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const safe = normalize(pathname).replace(/^(\.\.[/\\])+/, "");
    const base = join(root, safe);
    if (!base.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    const found = file(base) ?? file(`${base}.html`) ?? file(join(base, "index.html")) ?? file(join(root, "404.html"));
    if (!found) {
      res.writeHead(404).end("not found");
      return;
    }
    const status = found.endsWith("404.html") && !base.endsWith("404.html") ? 404 : 200;
    res.writeHead(status, {
      "content-type": TYPES[/** @type {keyof typeof TYPES} */ (extname(found))] ?? "application/octet-stream",
      "cache-control": found.includes(`${join(root, "assets")}`) ? "public, max-age=31536000, immutable" : "no-cache",
    });
    createReadStream(found).pipe(res);
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise((done) => server.listen(options.port ?? 4173, host, () => done(undefined)));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${host}:${port}`;
  return {
    url,
    server,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 4173);
  const { url } = await serve({ port, host: process.env.HOST ?? "127.0.0.1" });
  const registry = registryFromEnv();
  console.log(`toci docs on ${url}/`);
  console.log(
    registry
      ? `playground proxy: ${url}/v2/ → ${registry}/v2/ (token realms rewritten to ${url}/_toci/token/…)`
      : "playground proxy: off (set TOCI_PLAYGROUND_REGISTRY=http://host:port to proxy a registry)",
  );
}
