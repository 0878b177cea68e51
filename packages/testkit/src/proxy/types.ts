// The vocabulary of the fault proxy: what it records, how a rule matches, and what a fault action may do.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { HttpResponse } from "../internal/http.js";
import type { BlobOrigin } from "./blob-origin.js";

/** One request the proxy saw, filled in as it progresses. */
export interface RecordedRequest {
  /** 1, 2, 3… in arrival order. */
  id: number;
  method: string;
  /** Path and query, as requested (`/v2/a/b/blobs/sha256:…?x=y`). */
  path: string;
  /** Request headers, lower-cased names (Authorization included as sent). */
  headers: Record<string, string>;
  /** Whether an Authorization header was present. */
  authorization: boolean;
  /** Response status; 0 when the connection was dropped before a status was sent. */
  status: number;
  /** Request body bytes received from the client. */
  bytesIn: number;
  /** Response body bytes sent to the client. */
  bytesOut: number;
  /** Names of the fault actions applied to this request. */
  faults: string[];
  /** Whether the response is complete (false while running, or when cut). */
  done: boolean;
}

/** Which requests a rule applies to. Every given condition must hold. */
export interface RuleMatch {
  /** One method or several (upper case). */
  method?: string | string[];
  /** A RegExp tested against path+query, or a string the path+query must contain. */
  path?: RegExp | string;
  /** Apply to this many matching requests, then stop. @default Infinity */
  times?: number;
  /** Let this many matching requests through untouched first. @default 0 */
  skip?: number;
  /** Any other condition. */
  when?: (req: IncomingMessage) => boolean;
}

/** A registered rule. */
export interface Rule {
  readonly match: RuleMatch;
  readonly actions: readonly FaultAction[];
  /** Requests the rule was applied to. */
  readonly hits: number;
  /** Requests that matched, applied or skipped. */
  readonly seen: number;
  /** Unregisters the rule. */
  remove(): void;
}

/** What a body filter returns for each chunk: the bytes to pass on, and whether to drop the connection after. */
export interface FilteredChunk {
  data: Buffer;
  /** Send `data`, then destroy the connection (response) or reject the request (request body). */
  stop?: boolean;
  /** With `stop` on a response: wait this long (ms) after `data` is sent before destroying the connection. */
  lingerMs?: number;
}

/** Transforms a body chunk by chunk; offsets count from the start of the body. */
export type BodyFilter = (chunk: Buffer) => FilteredChunk;

/** The response head an action may rewrite. */
export interface ResponseHead {
  status: number;
  headers: OutgoingHttpHeaders;
}

/** What an action may touch while a request goes through the proxy. */
export interface FaultContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: RecordedRequest;
  /** The request path (no query) and its query. */
  readonly url: URL;
  /** Calls the registry directly, with the client's Authorization and Accept headers. */
  upstream(path: string, init?: { method?: string; headers?: Record<string, string> }): Promise<HttpResponse>;
  /** The second loopback origin blobs are redirected to (started on first use). */
  blobOrigin(): Promise<BlobOrigin>;
  /** Reads and discards the rest of the request body. */
  drain(): Promise<void>;
  /** Answers the request (after draining its body). */
  send(status: number, headers?: OutgoingHttpHeaders, body?: string | Buffer): Promise<void>;
}

/**
 * A fault. Each hook is optional; the proxy calls them in this order:
 * `request` (may answer instead of the registry: return true), `requestBody` (filters what is forwarded; `stop`
 * rejects the request with `rejectStatus`), `responseHead` (may rewrite status and headers, or answer itself and
 * return true to discard the registry's response), `responseBody` (filters what is sent back; `stop` drops the
 * connection after the bytes returned).
 */
export interface FaultAction {
  readonly name: string;
  request?(ctx: FaultContext): Promise<boolean | undefined> | boolean | undefined;
  requestBody?(ctx: FaultContext): BodyFilter;
  /** Status sent when `requestBody` stops the request. @default 413 */
  readonly rejectStatus?: number;
  responseHead?(ctx: FaultContext, head: ResponseHead): Promise<boolean | undefined> | boolean | undefined;
  responseBody?(ctx: FaultContext): BodyFilter;
}
