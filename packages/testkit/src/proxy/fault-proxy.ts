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
import { Forwarding } from "./forward.js";
import { type ReferrersOptions, ReferrersRegistry } from "./referrers.js";
import type { FaultAction, FaultContext, RecordedRequest, Rule, RuleMatch } from "./types.js";

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

const REFERRERS = /^\/v2\/(.+)\/referrers\/([^/]+)$/;

interface RuleState extends Rule {
  hits: number;
  seen: number;
}

/** Starts a fault proxy on 127.0.0.1 in front of `options.target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const core = new ProxyCore(options);
  const { requests, rules, referrers } = core;
  const server = http.createServer((req, res) => {
    core.handle(req, res).catch(() => {
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
      return core.origin;
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
      if (core.origin) core.origin.requests.length = 0;
    },
    async stop() {
      await close(server);
      await core.origin?.stop();
      core.agent.destroy();
    },
  };
}

/** The proxy's state (rules, recorded requests, referrers emulation, blob origin) and its request handler. */
class ProxyCore {
  readonly requests: RecordedRequest[] = [];
  readonly rules: RuleState[] = [];
  readonly referrers = new ReferrersRegistry();
  readonly agent: http.Agent;
  readonly secure: boolean;
  origin: BlobOrigin | undefined;
  readonly #options: FaultProxyOptions;
  readonly #target: URL;
  #originStarting: Promise<BlobOrigin> | undefined;
  #nextId = 1;

  constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.#target = new URL(options.target);
    this.secure = this.#target.protocol === "https:";
    const ca = options.caFile ? fs.readFileSync(options.caFile) : undefined;
    this.agent = this.secure ? new https.Agent({ keepAlive: true, ca }) : new http.Agent({ keepAlive: true });
    if (options.referrers) {
      this.referrers.enabled = true;
      if (typeof options.referrers === "object") this.referrers.options = options.referrers;
    }
  }

  /** Opens a request to the registry; the caller streams the body. */
  open(method: string, path: string, headers: OutgoingHttpHeaders): http.ClientRequest {
    return (this.secure ? https : http).request(new URL(path, this.#target), { method, headers, agent: this.agent });
  }

  blobOrigin(): Promise<BlobOrigin> {
    const openStreaming = (method: string, path: string, headers: Record<string, string>) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = this.open(method, path, headers);
        req.on("response", resolve);
        req.on("error", reject);
        req.end();
      });
    this.#originStarting ??= startBlobOrigin(openStreaming, { cors: this.#options.cors ?? false }).then((o) => {
      this.origin = o;
      return o;
    });
    return this.#originStarting;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = this.#record(req);
    if (this.#options.cors) {
      if (answerPreflight(req, res)) {
        record.status = 204;
        record.done = true;
        return;
      }
      // Every response of this request, whoever writes it, carries the CORS headers.
      for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value as string);
    }
    const ctx = this.#context(req, res, record);
    const actions = this.#matching(req);
    record.faults = actions.map((a) => a.name);
    for (const action of actions) {
      if (action.request && (await action.request(ctx))) return;
    }
    // Built-in: the emulated referrers API.
    const refMatch = REFERRERS.exec(ctx.url.pathname);
    if (refMatch && req.method === "GET" && this.referrers.enabled) {
      const [, repo, digest] = refMatch as unknown as [string, string, string];
      const check = await ctx.upstream(`/v2/${repo}/tags/list`);
      if (check.status === 401 || check.status === 403) {
        const headers: OutgoingHttpHeaders = { "content-type": "application/json; charset=utf-8" };
        if (check.headers["www-authenticate"]) headers["www-authenticate"] = check.headers["www-authenticate"];
        return ctx.send(check.status, headers, check.body);
      }
      const page = this.referrers.page(repo, digest, ctx.url.searchParams, ctx.url.pathname);
      return ctx.send(200, page.headers, page.body);
    }
    await new Forwarding(this, ctx, actions).run();
  }

  #record(req: IncomingMessage): RecordedRequest {
    const record: RecordedRequest = {
      id: this.#nextId++,
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
    this.requests.push(record);
    return record;
  }

  #context(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): FaultContext {
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
    return {
      req,
      res,
      record,
      url: new URL(req.url ?? "/", "http://proxy"),
      blobOrigin: () => this.blobOrigin(),
      drain,
      upstream: (path, init = {}) =>
        request({
          method: init.method ?? "GET",
          url: new URL(path, this.#target).href,
          headers: {
            authorization: req.headers.authorization,
            accept: req.headers.accept,
            host: req.headers.host,
            ...init.headers,
          },
          caFile: this.#options.caFile,
          agent: this.agent,
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
  }

  #matching(req: IncomingMessage): FaultAction[] {
    const actions: FaultAction[] = [];
    const path = req.url ?? "/";
    for (const rule of this.rules) {
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
  }
}
