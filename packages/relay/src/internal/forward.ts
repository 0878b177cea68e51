// One request to an upstream's API, streamed both ways. Redirects of a GET or HEAD (a blob moved to storage, a
// CDN) are followed here, for the client: a browser cannot follow them itself (the storage answers no CORS, and
// the redirect would leave the relay), so the relay fetches the target, without `Authorization` once the request
// leaves the upstream's API root, and only where the upstream may send it (reach.ts). Redirects of other methods
// come back to the client, their `Location` pointed at the relay when it is the upstream's.
import { isRedirect, nextHop } from "@toci/spec-types";
import type { RelayConfig, Upstream } from "../options.js";
import { relayResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { lendToApi } from "./lend.js";
import { mayReach, unreachableReason } from "./reach.js";
import type { Realms } from "./realms.js";
import { underApiRoot } from "./urls.js";

/** What forwarding needs besides the request. */
export interface ForwardContext {
  config: RelayConfig;
  realms: Realms;
  /** The relay's base URL. */
  base: URL;
  /** The relay's own error answer, logged. */
  refuse: (status: number, code: string, reason: string) => Response;
}

/** Statuses whose responses have no body (https://fetch.spec.whatwg.org/#null-body-status). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Forwards `request` to `target`, an URL under the upstream's API root, and relays the answer. */
export async function forwardApi(
  context: ForwardContext,
  upstream: Upstream,
  request: Request,
  target: URL,
): Promise<Response> {
  const method = request.method;
  const followable = method === "GET" || method === "HEAD";
  const headers = upstreamRequestHeaders(request, true, !followable);
  await lendToApi(upstream, headers, request.signal);
  let hop = { url: target, method, headers, keepBody: true };
  for (let hops = 0; ; hops++) {
    const response = await context.config.fetch(hop.url, {
      method: hop.method,
      headers: hop.headers,
      body: hops === 0 && !followable ? request.body : null,
      // Request bodies stream (uploads of any size); fetch needs to be told (https://fetch.spec.whatwg.org/#dom-requestinit-duplex).
      duplex: "half",
      redirect: "manual",
      signal: request.signal,
    } as RequestInit);
    const location = response.headers.get("location");
    if (!followable || !isRedirect(response.status) || location === null) {
      if (underApiRoot(upstream, hop.url)) context.realms.learn(upstream, response.headers.get("www-authenticate"));
      return relay(response, { upstream, url: hop.url, base: context.base });
    }
    await response.body?.cancel();
    if (hops >= context.config.maxRedirects) {
      return context.refuse(
        502,
        "UNAVAILABLE",
        `more than ${context.config.maxRedirects} redirects from ${target.href}`,
      );
    }
    const next = nextHop(hop, response.status, location, {
      // Plain HTTP is judged by mayReach below: allowed only to origins listed with the upstream.
      allowInsecureRedirects: true,
      replayableBody: true,
      hasBody: false,
      copyHeaders: (headers) => new Headers(headers),
    });
    if (typeof next === "string") {
      return context.refuse(502, "UNAVAILABLE", `a redirect the relay does not follow (${next}) from ${hop.url.href}`);
    }
    if (!mayReach(upstream, next.url)) {
      return context.refuse(502, "DENIED", `refusing to follow a redirect: ${unreachableReason(next.url)}`);
    }
    // nextHop drops Authorization across origins; on the upstream's origin outside its API it goes too (another
    // application may live there).
    if (!underApiRoot(upstream, next.url)) next.headers.delete("authorization");
    hop = next;
  }
}

/** The upstream's response as the relay's: same status and body, headers rewritten. */
export function relay(response: Response, context: Parameters<typeof relayResponseHeaders>[1]): Response {
  const headers = relayResponseHeaders(response.headers, context);
  const body = NULL_BODY.has(response.status) ? null : response.body;
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
