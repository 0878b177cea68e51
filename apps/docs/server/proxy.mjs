// The playground's same-origin registry proxy, used by the dev server (`vitepress dev`, as a vite middleware) and
// by `npm run preview` (server/serve.mjs). Why it exists: a page can only talk to a registry that answers CORS, and
// most do not; distribution 2.8.2 with auth even answers the CORS preflight with 401 (docs/architecture.md
// §7). So the page talks to its own origin and this proxy forwards:
//   /v2/…                → the registry named by TOCI_PLAYGROUND_REGISTRY (Host set to the registry's)
//   /_toci/token/<n>?…   → the n-th token realm the registry announced (its WWW-Authenticate realm is rewritten
//                          to point here, so the token request stays same-origin too)
//   /_toci/proxy         → { "registry": "<upstream>" }, so the playground knows a proxy is there
// Response `Location` and `Link` headers that point at the registry are rewritten to the page's origin; a redirect
// of a blob to another origin (a CDN) is followed here, without the Authorization header.
import http from "node:http";
import https from "node:https";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "origin",
  "referer",
  "cookie",
]);

/**
 * @typedef {object} RegistryProxy
 * @property {string} registry the upstream registry's origin
 * @property {(req: http.IncomingMessage, res: http.ServerResponse) => boolean} handle serves a request that is the
 *   proxy's (true), or leaves it alone (false)
 */

/**
 * The upstream from the environment: `TOCI_PLAYGROUND_REGISTRY` (`http://127.0.0.1:5001`, `https://ghcr.io`, or a
 * bare `host[:port]`: loopback gets http, anything else https). Undefined when not set.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | undefined}
 */
export function registryFromEnv(env = process.env) {
  const value = env.TOCI_PLAYGROUND_REGISTRY?.trim();
  if (!value) return undefined;
  if (/^https?:\/\//.test(value)) return new URL(value).origin;
  const host = value.replace(/\/+$/, "");
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? "http" : "https"}://${host}`;
}

/**
 * @param {{ registry: string, log?: (line: string) => void }} options
 * @returns {RegistryProxy}
 */
export function createRegistryProxy(options) {
  const upstream = new URL(options.registry);
  const log = options.log ?? (() => {});
  /** @type {string[]} realms announced by the registry, by index */
  const realms = [];

  /** @param {http.IncomingMessage} req */
  const selfOrigin = (req) => `http://${req.headers.host ?? "localhost"}`;

  /**
   * Rewrites a response head for the page: Location/Link at the registry → the page's origin; realm → /_toci/token.
   * @param {http.IncomingHttpHeaders} headers
   * @param {http.IncomingMessage} req
   */
  const rewrite = (headers, req) => {
    /** @type {Record<string, string | string[]>} */
    const out = {};
    const self = selfOrigin(req);
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || name === "connection" || name === "keep-alive" || name === "transfer-encoding") {
        continue;
      }
      out[name] = value;
    }
    for (const name of ["location", "link"]) {
      const value = out[name];
      if (typeof value === "string") out[name] = value.split(upstream.origin).join(self);
    }
    const challenge = out["www-authenticate"];
    if (challenge !== undefined) {
      const list = Array.isArray(challenge) ? challenge : [challenge];
      out["www-authenticate"] = list.map((c) =>
        c.replace(/realm="([^"]*)"/i, (_all, realm) => {
          let i = realms.indexOf(realm);
          if (i === -1) i = realms.push(realm) - 1;
          return `realm="${self}/_toci/token/${i}"`;
        }),
      );
    }
    return out;
  };

  /**
   * @param {URL} target
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {{ keepAuthorization: boolean, redirects: number }} how
   */
  const forward = (target, req, res, how) => {
    /** @type {http.OutgoingHttpHeaders} */
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      if (name === "authorization" && !how.keepAuthorization) continue;
      headers[name] = value;
    }
    headers.host = target.host;
    const client = target.protocol === "https:" ? https : http;
    const upstreamReq = client.request(target, { method: req.method, headers }, (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      const location = upstreamRes.headers.location;
      if (status >= 300 && status < 400 && location && (req.method === "GET" || req.method === "HEAD")) {
        const next = new URL(location, target);
        if (next.origin !== upstream.origin && how.redirects < 5) {
          // A blob redirected to a CDN: follow it here, so the page never leaves its origin (no credentials sent).
          upstreamRes.resume();
          forward(next, req, res, { keepAuthorization: false, redirects: how.redirects + 1 });
          return;
        }
      }
      res.writeHead(status, rewrite(upstreamRes.headers, req));
      upstreamRes.pipe(res);
      upstreamRes.on("error", () => res.destroy());
    });
    upstreamReq.on("error", (error) => {
      log(`proxy: ${req.method} ${target.href} failed: ${error.message}`);
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: `proxy: ${error.message}` }] }));
      } else res.destroy();
    });
    // A page going away (or a cut connection) aborts the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    if (how.redirects === 0) req.pipe(upstreamReq);
    else upstreamReq.end();
  };

  return {
    registry: upstream.origin,
    handle(req, res) {
      const url = req.url ?? "/";
      if (url === "/v2" || url.startsWith("/v2/") || url.startsWith("/v2?")) {
        forward(new URL(url, upstream), req, res, { keepAuthorization: true, redirects: 0 });
        return true;
      }
      const token = /^\/_toci\/token\/(\d+)(\?.*)?$/.exec(url);
      if (token) {
        const realm = realms[Number(token[1])];
        if (!realm) {
          res.writeHead(404, { "content-type": "text/plain" });
          res.end("unknown token realm");
          return true;
        }
        const target = new URL(realm);
        if (token[2]) target.search = token[2];
        forward(target, req, res, { keepAuthorization: true, redirects: 0 });
        return true;
      }
      if (url === "/_toci/proxy") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ registry: upstream.origin }));
        return true;
      }
      return false;
    },
  };
}
