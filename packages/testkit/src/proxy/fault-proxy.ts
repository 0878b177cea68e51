// A scriptable HTTP proxy in front of a real registry that injects what real registries do (docs/architecture.md
// §7). Bodies stream through in both directions (never buffered whole, manifests excepted when
// the referrers emulation needs them), the Host header is kept so upload `Location`s point back at the proxy,
// and every request is recorded.
import fs from "node:fs";
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import https from "node:https";
import { request } from "../internal/http.js";
import { close, listen } from "../internal/listen.js";
import { type BlobOrigin, flatten, startBlobOrigin } from "./blob-origin.js";
import { answerPreflight, corsHeaders } from "./cors.js";
import { type ReferrersOptions, ReferrersRegistry } from "./referrers.js";
import type { BodyFilter, FaultAction, FaultContext, RecordedRequest, ResponseHead, Rule, RuleMatch } from "./types.js";

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The registry's base URL (`http://127.0.0.1:<port>`, or https with `caFile`). */
  target: string;
  /** CA to trust when the target is https. */
  caFile?: string;
  /**
   * Answer CORS preflights and add CORS headers (Origin echoed, OCI headers exposed) to every response of the
   * proxy and of its blob origin, so a browser page on another origin can use them. @default false
   */
  cors?: boolean;
  /** Emulate the referrers API from the start (also `proxy.referrers.enabled = true`). */
  referrers?: boolean | ReferrersOptions;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it as the registry URL. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  readonly target: string;
  /** Every request seen, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Applies `actions` to the requests `match` selects; rules apply in the order they were added. */
  on(match: RuleMatch, ...actions: FaultAction[]): Rule;
  /** Removes every rule. */
  clearRules(): void;
  /** Forgets recorded requests (of the proxy and of the blob origin). */
  clearRequests(): void;
  /** The emulated referrers API: `enabled`, `options`, and what it learnt. */
  readonly referrers: ReferrersRegistry;
  /** The second origin blobs are redirected to; undefined until a redirect happened. */
  readonly blobOrigin: BlobOrigin | undefined;
  stop(): Promise<void>;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"];
const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const REFERRERS = /^\/v2\/(.+)\/referrers\/([^/]+)$/;
/** distribution's manifest cap; bigger bodies are not kept for the referrers emulation. */
const MAX_MANIFEST = 4 * 1024 * 1024;

interface RuleState extends Rule {
  hits: number;
  seen: number;
}

/** Starts a fault proxy on 127.0.0.1 in front of `options.target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const secure = target.protocol === "https:";
  const ca = options.caFile ? fs.readFileSync(options.caFile) : undefined;
  const agent = secure ? new https.Agent({ keepAlive: true, ca }) : new http.Agent({ keepAlive: true });
  const requests: RecordedRequest[] = [];
  const rules: RuleState[] = [];
  const referrers = new ReferrersRegistry();
  if (options.referrers) {
    referrers.enabled = true;
    if (typeof options.referrers === "object") referrers.options = options.referrers;
  }
  let origin: BlobOrigin | undefined;
  let originStarting: Promise<BlobOrigin> | undefined;
  let nextId = 1;

  /** Opens a request to the registry; the caller streams the body. */
  const open = (method: string, path: string, headers: OutgoingHttpHeaders): http.ClientRequest =>
    (secure ? https : http).request(new URL(path, target), { method, headers, agent });

  const openStreaming = (method: string, path: string, headers: Record<string, string>) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = open(method, path, headers);
      req.on("response", resolve);
      req.on("error", reject);
      req.end();
    });

  const blobOrigin = (): Promise<BlobOrigin> => {
    originStarting ??= startBlobOrigin(openStreaming, { cors: options.cors ?? false }).then((o) => {
      origin = o;
      return o;
    });
    return originStarting;
  };

  const matching = (req: IncomingMessage): FaultAction[] => {
    const actions: FaultAction[] = [];
    const path = req.url ?? "/";
    for (const rule of rules) {
      const m = rule.match;
      if (m.method && ![m.method].flat().includes(req.method ?? "")) continue;
      if (m.path instanceof RegExp ? !m.path.test(path) : m.path !== undefined && !path.includes(m.path)) continue;
      if (m.when && !m.when(req)) continue;
      rule.seen++;
      if (rule.seen <= (m.skip ?? 0)) continue;
      if (rule.hits >= (m.times ?? Number.POSITIVE_INFINITY)) continue;
      rule.hits++;
      actions.push(...rule.actions);
    }
    return actions;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record: RecordedRequest = {
      id: nextId++,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: flatten(req.headers),
      authorization: req.headers.authorization !== undefined,
      status: 0,
      bytesIn: 0,
      bytesOut: 0,
      faults: [],
      done: false,
    };
    requests.push(record);
    if (options.cors) {
      if (answerPreflight(req, res)) {
        record.status = 204;
        record.done = true;
        return;
      }
      // Every response of this request, whoever writes it, carries the CORS headers.
      for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value as string);
    }
    const url = new URL(req.url ?? "/", "http://proxy");
    const drain = () =>
      new Promise<void>((resolve) => {
        if (req.readableEnded) return resolve();
        req.on("end", resolve);
        req.on("error", () => resolve());
        req.on("close", () => resolve());
        req.on("data", (chunk: Buffer) => {
          record.bytesIn += chunk.length;
        });
        req.resume();
      });
    const ctx: FaultContext = {
      req,
      res,
      record,
      url,
      blobOrigin,
      drain,
      upstream: (path, init = {}) =>
        request({
          method: init.method ?? "GET",
          url: new URL(path, target).href,
          headers: {
            authorization: req.headers.authorization,
            accept: req.headers.accept,
            host: req.headers.host,
            ...init.headers,
          },
          caFile: options.caFile,
          agent,
        }),
      async send(status, headers = {}, body) {
        await drain();
        if (res.headersSent || res.destroyed) return;
        const data = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
        record.status = status;
        res.writeHead(status, { "content-length": data.length, ...headers });
        res.end(data, () => {
          record.bytesOut += data.length;
          record.done = true;
        });
      },
    };
    const actions = matching(req);
    record.faults = actions.map((a) => a.name);

    for (const action of actions) {
      if (action.request && (await action.request(ctx))) return;
    }

    // Built-in: the emulated referrers API.
    const refMatch = REFERRERS.exec(url.pathname);
    if (refMatch && req.method === "GET" && referrers.enabled) {
      const [, repo, digest] = refMatch as unknown as [string, string, string];
      const check = await ctx.upstream(`/v2/${repo}/tags/list`);
      if (check.status === 401 || check.status === 403) {
        const headers: OutgoingHttpHeaders = { "content-type": "application/json; charset=utf-8" };
        if (check.headers["www-authenticate"]) headers["www-authenticate"] = check.headers["www-authenticate"];
        return ctx.send(check.status, headers, check.body);
      }
      const page = referrers.page(repo, digest, url.searchParams, url.pathname);
      return ctx.send(200, page.headers, page.body);
    }

    await forward(ctx, actions);
  };

  const forward = async (ctx: FaultContext, actions: FaultAction[]): Promise<void> => {
    const { req, res, record, url } = ctx;
    const headers: OutgoingHttpHeaders = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    if (secure) headers["x-forwarded-proto"] = "http"; // the registry builds Locations for the proxy, not itself
    const upstream = open(req.method ?? "GET", req.url ?? "/", headers);
    const requestFilters = actions
      .filter((a) => a.requestBody)
      .map((a) => ({ action: a, filter: a.requestBody!(ctx) }));
    const manifest = MANIFEST.exec(url.pathname) as [string, string, string] | null;
    const keepBody = manifest !== null && req.method === "PUT";
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let rejected: FaultAction | undefined;

    const responded = new Promise<void>((resolve) => {
      upstream.on("response", async (up) => {
        try {
          const head: ResponseHead = { status: up.statusCode ?? 502, headers: { ...up.headers } };
          for (const name of HOP_BY_HOP) delete head.headers[name];
          if (keepBody && manifest && head.status === 201 && keptBytes <= MAX_MANIFEST) {
            const subject = referrers.learn(
              manifest[1],
              Buffer.concat(kept),
              req.headers["content-type"],
              up.headers["docker-content-digest"] as string | undefined,
            );
            if (subject && referrers.enabled) head.headers["oci-subject"] = subject;
          }
          if (manifest && req.method === "DELETE" && head.status === 202) referrers.forget(manifest[1], manifest[2]);
          for (const action of actions) {
            if (action.responseHead && (await action.responseHead(ctx, head))) {
              up.destroy();
              return resolve();
            }
          }
          record.status = head.status;
          res.writeHead(head.status, head.headers);
          await pump(
            up,
            res,
            record,
            actions.filter((a) => a.responseBody).map((a) => a.responseBody!(ctx)),
          );
        } catch {
          res.destroy();
        }
        resolve();
      });
      upstream.on("error", () => {
        if (rejected) return resolve();
        if (!res.headersSent) {
          record.status = 502;
          res.writeHead(502, { "content-type": "text/plain" });
          res.end("bad gateway: registry unreachable");
        } else res.destroy();
        resolve();
      });
    });

    req.on("data", (chunk: Buffer) => {
      if (rejected) return;
      record.bytesIn += chunk.length;
      let data = chunk;
      for (const { action, filter } of requestFilters) {
        const out = filter(data);
        data = out.data;
        if (out.stop) {
          rejected = action;
          upstream.destroy();
          const error = { errors: [{ code: "SIZE_INVALID", message: "request body too large" }] };
          void ctx.send(
            action.rejectStatus ?? 413,
            { "content-type": "application/json; charset=utf-8" },
            JSON.stringify(error),
          );
          return;
        }
      }
      if (keepBody && keptBytes <= MAX_MANIFEST) {
        kept.push(data);
        keptBytes += data.length;
      }
      if (!upstream.write(data)) {
        req.pause();
        upstream.once("drain", () => req.resume());
      }
    });
    req.on("end", () => {
      if (!rejected) upstream.end();
    });
    req.on("error", () => upstream.destroy());
    res.on("close", () => {
      if (!record.done) upstream.destroy();
    });
    await responded;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      } else res.destroy();
    });
  });
  const port = await listen(server);

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    target: options.target,
    requests,
    referrers,
    get blobOrigin() {
      return origin;
    },
    on(match, ...actions) {
      const rule: RuleState = {
        match,
        actions,
        hits: 0,
        seen: 0,
        remove() {
          const i = rules.indexOf(rule);
          if (i >= 0) rules.splice(i, 1);
        },
      };
      rules.push(rule);
      return rule;
    },
    clearRules() {
      rules.length = 0;
    },
    clearRequests() {
      requests.length = 0;
      if (origin) origin.requests.length = 0;
    },
    async stop() {
      await close(server);
      await origin?.stop();
      agent.destroy();
    },
  };
}

/** Streams the registry's body to the client through the filters; a filter's `stop` drops the connection. */
async function pump(
  from: IncomingMessage,
  to: ServerResponse,
  record: RecordedRequest,
  filters: BodyFilter[],
): Promise<void> {
  for await (const chunk of from as AsyncIterable<Buffer>) {
    let data = chunk;
    let stop = false;
    for (const filter of filters) {
      const out = filter(data);
      data = out.data;
      stop ||= out.stop === true;
    }
    record.bytesOut += data.length;
    if (stop) {
      if (data.length > 0) await new Promise<void>((resolve) => to.write(data, () => resolve()));
      to.socket?.destroy();
      from.destroy();
      return;
    }
    if (data.length > 0 && !to.write(data)) {
      // Wait for the client to take more, or to go away (then `close` ends the wait and the next read fails).
      await new Promise<void>((resolve) => {
        const done = () => {
          to.off("drain", done);
          to.off("close", done);
          resolve();
        };
        to.once("drain", done);
        to.once("close", done);
      });
      if (to.destroyed) {
        from.destroy();
        return;
      }
    }
  }
  await new Promise<void>((resolve) => to.end(() => resolve()));
  record.done = true;
}
