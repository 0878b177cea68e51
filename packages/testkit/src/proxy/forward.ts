// Forwarding one request through the fault proxy to the registry: the request body through the actions' filters
// (a filter may reject it), the registry's response head through theirs (an action may answer instead), its body
// pumped back through theirs. Manifests PUT are kept (up to distribution's cap) for the referrers emulation.
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { ReferrersRegistry } from "./referrers.js";
import type { BodyFilter, FaultAction, FaultContext, RecordedRequest, ResponseHead } from "./types.js";

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"];
const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
/** distribution's manifest cap; bigger bodies are not kept for the referrers emulation. */
const MAX_MANIFEST = 4 * 1024 * 1024;

/** What forwarding needs of the proxy. */
export interface ForwardTarget {
  /** The registry is https (it is then told the client came over http, so its Locations point at the proxy). */
  secure: boolean;
  referrers: ReferrersRegistry;
  /** Opens a request to the registry; the caller streams the body. */
  open(method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest;
}

/** One request forwarded; `run` resolves once the response is over (or dropped). */
export class Forwarding {
  readonly #target: ForwardTarget;
  readonly #ctx: FaultContext;
  readonly #actions: FaultAction[];
  readonly #manifest: [string, string, string] | null;
  readonly #keepBody: boolean;
  readonly #kept: Buffer[] = [];
  #keptBytes = 0;
  #rejected: FaultAction | undefined;

  constructor(target: ForwardTarget, ctx: FaultContext, actions: FaultAction[]) {
    this.#target = target;
    this.#ctx = ctx;
    this.#actions = actions;
    this.#manifest = MANIFEST.exec(ctx.url.pathname) as [string, string, string] | null;
    this.#keepBody = this.#manifest !== null && ctx.req.method === "PUT";
  }

  async run(): Promise<void> {
    const { req, res, record } = this.#ctx;
    const headers: OutgoingHttpHeaders = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    if (this.#target.secure) headers["x-forwarded-proto"] = "http"; // the registry builds Locations for the proxy
    const upstream = this.#target.open(req.method ?? "GET", req.url ?? "/", headers);
    const responded = new Promise<void>((resolve) => {
      upstream.on("response", (up) => {
        this.#respond(up).then(resolve, () => {
          res.destroy();
          resolve();
        });
      });
      upstream.on("error", () => {
        if (this.#rejected) return resolve();
        if (!res.headersSent) {
          record.status = 502;
          res.writeHead(502, { "content-type": "text/plain" });
          res.end("bad gateway: registry unreachable");
        } else res.destroy();
        resolve();
      });
    });
    this.#pipeRequest(upstream);
    res.on("close", () => {
      if (!record.done) upstream.destroy();
    });
    await responded;
  }

  /** The registry's answer, through the actions, back to the client. */
  async #respond(up: IncomingMessage): Promise<void> {
    const ctx = this.#ctx;
    const { req, res, record } = ctx;
    const manifest = this.#manifest;
    const referrers = this.#target.referrers;
    const head: ResponseHead = { status: up.statusCode ?? 502, headers: { ...up.headers } };
    for (const name of HOP_BY_HOP) delete head.headers[name];
    if (this.#keepBody && manifest && head.status === 201 && this.#keptBytes <= MAX_MANIFEST) {
      const subject = referrers.learn(
        manifest[1],
        Buffer.concat(this.#kept),
        req.headers["content-type"],
        up.headers["docker-content-digest"] as string | undefined,
      );
      if (subject && referrers.enabled) head.headers["oci-subject"] = subject;
    }
    if (manifest && req.method === "DELETE" && head.status === 202) referrers.forget(manifest[1], manifest[2]);
    for (const action of this.#actions) {
      if (action.responseHead && (await action.responseHead(ctx, head))) {
        up.destroy();
        return;
      }
    }
    record.status = head.status;
    res.writeHead(head.status, head.headers);
    const filters = this.#actions.filter((a) => a.responseBody).map((a) => a.responseBody!(ctx));
    await pump(up, res, record, filters);
  }

  /** The client's body, through the actions' filters, to the registry (with back-pressure). */
  #pipeRequest(upstream: ClientRequest): void {
    const ctx = this.#ctx;
    const { req, record } = ctx;
    const filters = this.#actions.filter((a) => a.requestBody).map((a) => ({ action: a, filter: a.requestBody!(ctx) }));
    req.on("data", (chunk: Buffer) => {
      if (this.#rejected) return;
      record.bytesIn += chunk.length;
      let data = chunk;
      for (const { action, filter } of filters) {
        const out = filter(data);
        data = out.data;
        if (out.stop) {
          this.#rejected = action;
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
      if (this.#keepBody && this.#keptBytes <= MAX_MANIFEST) {
        this.#kept.push(data);
        this.#keptBytes += data.length;
      }
      if (!upstream.write(data)) {
        req.pause();
        upstream.once("drain", () => req.resume());
      }
    });
    req.on("end", () => {
      if (!this.#rejected) upstream.end();
    });
    req.on("error", () => upstream.destroy());
  }
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
    let linger = 0;
    for (const filter of filters) {
      const out = filter(data);
      data = out.data;
      stop ||= out.stop === true;
      linger = Math.max(linger, out.lingerMs ?? 0);
    }
    record.bytesOut += data.length;
    if (stop) {
      if (data.length > 0) await new Promise<void>((resolve) => to.write(data, () => resolve()));
      if (linger > 0) await new Promise((resolve) => setTimeout(resolve, linger));
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
