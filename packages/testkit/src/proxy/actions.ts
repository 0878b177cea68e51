// The faults real registries inject (docs/architecture.md §7), as actions for `proxy.on(match, ...actions)`.
import type { OutgoingHttpHeaders } from "node:http";
import type { BodyFilter, FaultAction, ResponseHead } from "./types.js";

/** A `Retry-After` value: seconds, or a date sent as an HTTP-date. */
export type RetryAfter = number | Date;

/** Options of {@link respond}. */
export interface RespondOptions {
  headers?: OutgoingHttpHeaders;
  /** A string or buffer; an object is sent as JSON. */
  body?: string | Buffer | object;
  retryAfter?: RetryAfter;
}

/** Answers with `status` instead of the registry (the request body is read and dropped). */
export function respond(status: number, options: RespondOptions = {}): FaultAction {
  return {
    name: `respond ${status}`,
    async request(ctx) {
      const headers: OutgoingHttpHeaders = { ...options.headers };
      if (options.retryAfter !== undefined) headers["retry-after"] = formatRetryAfter(options.retryAfter);
      let body = options.body;
      if (body !== undefined && typeof body === "object" && !Buffer.isBuffer(body)) {
        headers["content-type"] ??= "application/json; charset=utf-8";
        body = JSON.stringify(body);
      }
      await ctx.send(status, headers, body as string | Buffer | undefined);
      return true;
    },
  };
}

/** 429 TOOMANYREQUESTS with `Retry-After` (seconds or date), like Docker Hub's rate limit. */
export function tooManyRequests(retryAfter?: RetryAfter): FaultAction {
  return named(
    "429",
    respond(429, {
      retryAfter,
      body: { errors: [{ code: "TOOMANYREQUESTS", message: "too many requests" }] },
    }),
  );
}

/** 503 UNAVAILABLE with optional `Retry-After`. */
export function unavailable(retryAfter?: RetryAfter): FaultAction {
  return named(
    "503",
    respond(503, {
      retryAfter,
      body: { errors: [{ code: "UNAVAILABLE", message: "service unavailable" }] },
    }),
  );
}

/**
 * 416 Requested Range Not Satisfiable, for a PATCH whose chunk the registry refuses (what ECR and GHCR answer;
 * 2.8.2 itself never does). The chunk is dropped; the upload session stays where it was.
 */
export function rangeNotSatisfiable(): FaultAction {
  return named(
    "416",
    respond(416, {
      body: { errors: [{ code: "BLOB_UPLOAD_INVALID", message: "requested range not satisfiable" }] },
    }),
  );
}

/** Drops the connection without any response (a network error on the client). */
export function hangUp(): FaultAction {
  return {
    name: "hang up",
    request(ctx) {
      ctx.req.socket.destroy();
      return true;
    },
  };
}

/** Waits `ms` before forwarding the request. */
export function delay(ms: number): FaultAction {
  return {
    name: `delay ${ms}ms`,
    async request() {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return false;
    },
  };
}

/** Sends the response head and the first `bytes` of the body, then destroys the connection. */
export function cutAfter(bytes: number, options: CutOptions = {}): FaultAction {
  return {
    name: `cut after ${bytes}`,
    responseBody() {
      let sent = 0;
      return ((chunk) => {
        const left = bytes - sent;
        if (chunk.length < left) {
          sent += chunk.length;
          return { data: chunk };
        }
        sent = bytes;
        return { data: chunk.subarray(0, left), stop: true, lingerMs: options.lingerMs };
      }) satisfies BodyFilter;
    },
  };
}

/** Options of {@link cutAfter}. */
export interface CutOptions {
  /**
   * How long (ms) the connection stays open, silent, after the last byte before it is dropped. A browser's fetch
   * fails its body as soon as the connection fails, dropping what it had not read yet (Chromium: the bytes still in
   * its socket and data pipe), so a test that needs the bytes to reach the client gives them this long.
   * @default 0
   */
  lingerMs?: number;
}

/** Flips every bit of the body byte at `offset` (default 0); the length stays the same. */
export function corrupt(offset = 0): FaultAction {
  return {
    name: `corrupt byte ${offset}`,
    responseBody() {
      let position = 0;
      return ((chunk) => {
        const start = position;
        position += chunk.length;
        if (offset < start || offset >= position) return { data: chunk };
        const copy = Buffer.from(chunk);
        copy[offset - start] = (copy[offset - start] ?? 0) ^ 0xff;
        return { data: copy };
      }) satisfies BodyFilter;
    },
  };
}

/** Removes response headers (case-insensitive). */
export function stripHeaders(...names: string[]): FaultAction {
  const lower = names.map((n) => n.toLowerCase());
  return {
    name: `strip ${names.join(", ")}`,
    responseHead(_ctx, head) {
      for (const name of Object.keys(head.headers)) if (lower.includes(name.toLowerCase())) delete head.headers[name];
      return false;
    },
  };
}

/** Removes `Docker-Content-Digest` (Nexus, registry.redhat.io and static registries omit it). */
export function stripDigest(): FaultAction {
  return stripHeaders("Docker-Content-Digest");
}

/** Adds or replaces response headers. */
export function addHeaders(headers: Record<string, string | number>): FaultAction {
  return {
    name: `add ${Object.keys(headers).join(", ")}`,
    responseHead(_ctx, head) {
      for (const [name, value] of Object.entries(headers)) {
        for (const existing of Object.keys(head.headers)) {
          if (existing.toLowerCase() === name.toLowerCase()) delete head.headers[existing];
        }
        head.headers[name] = String(value);
      }
      return false;
    },
  };
}

/**
 * Rewrites the response head with `edit` (status and headers, lower-cased names), for quirks without a
 * dedicated action (ECR's stale upload `Range`, Quay's `; charset=utf-8` on manifest types, ...).
 */
export function rewriteHead(name: string, edit: (head: ResponseHead) => void): FaultAction {
  return {
    name,
    responseHead(_ctx, head) {
      edit(head);
      return false;
    },
  };
}

/** Turns absolute `Location` headers into path-only ones, as GHCR sends upload Locations. */
export function relativeLocation(): FaultAction {
  return rewriteHead("relative location", (head) => {
    const location = head.headers.location;
    if (typeof location === "string" && /^https?:\/\//.test(location)) {
      const url = new URL(location);
      head.headers.location = `${url.pathname}${url.search}`;
    }
  });
}

/** Adds `OCI-Chunk-Min-Length` (match it on POST …/blobs/uploads/); 2.8.2 never sends it. */
export function chunkMinLength(bytes: number): FaultAction {
  return addHeaders({ "OCI-Chunk-Min-Length": bytes });
}

/**
 * Refuses requests whose body is over `maxBytes` with `status` (default 413), like GHCR's 4 MiB cap per
 * request. A declared Content-Length over the cap is refused before forwarding; a chunked body is counted
 * while forwarded and the upstream request aborted when it crosses the cap.
 */
export function limitRequestSize(maxBytes: number, status = 413): FaultAction {
  const body = {
    errors: [
      {
        code: "SIZE_INVALID",
        message: `the request body is too large and exceeds the maximum permissible limit of ${maxBytes} bytes`,
      },
    ],
  };
  return {
    name: `limit request ${maxBytes}`,
    rejectStatus: status,
    async request(ctx) {
      const declared = Number(ctx.req.headers["content-length"] ?? Number.NaN);
      if (!(declared > maxBytes)) return false;
      await ctx.send(status, { "content-type": "application/json; charset=utf-8" }, JSON.stringify(body));
      return true;
    },
    requestBody() {
      let seen = 0;
      return ((chunk) => {
        seen += chunk.length;
        return seen > maxBytes ? { data: Buffer.alloc(0), stop: true } : { data: chunk };
      }) satisfies BodyFilter;
    },
  };
}

/** Options of {@link redirectBlob}. */
export interface RedirectOptions {
  /** @default 307 */
  status?: 301 | 302 | 303 | 307 | 308;
  /** The blob origin answers 400 to requests carrying Authorization (presigned S3 URLs do). @default false */
  rejectAuthorization?: boolean;
}

/**
 * Redirects successful blob GETs to the proxy's second origin (`proxy.blobOrigin`), which serves the bytes and
 * records whether an Authorization header reached it. The registry still authorises the original request: the
 * redirect replaces only a 200/206 answer.
 */
export function redirectBlob(options: RedirectOptions = {}): FaultAction {
  return {
    name: "redirect blob",
    async responseHead(ctx, head) {
      if (head.status !== 200 && head.status !== 206) return false;
      const origin = await ctx.blobOrigin();
      const location = origin.register(ctx.url.pathname, ctx.req.headers.authorization, options.rejectAuthorization);
      await ctx.send(options.status ?? 307, { location });
      return true;
    },
  };
}

/** Gives an action another name in the request records. */
export function named(name: string, action: FaultAction): FaultAction {
  return { ...action, name };
}

function formatRetryAfter(value: RetryAfter): string {
  return typeof value === "number" ? String(value) : value.toUTCString();
}
