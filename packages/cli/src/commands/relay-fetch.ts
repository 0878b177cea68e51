// The `fetch` `toci relay` sends upstream requests with: the node:http transport every other command uses, so the
// relay reaches registries as they do (HTTPS_PROXY, HTTP_PROXY and NO_PROXY, or --proxy; --ca-file, --insecure and
// the configuration file's TLS per registry), streaming both ways with back-pressure. The relay asks of fetch what
// fetch does: no redirects followed (it follows them itself), no retries here (its client retries), and an API
// document an upstream compressed although asked for identity decoded as fetch would (@toci/relay/node's
// decodeDocument, as its nodeFetch does), a blob passed as stored.
import { decodeDocument } from "@toci/relay/node";
import type { HttpMethod, Transport } from "@toci/spec-types";

/** Statuses whose responses have no body (https://fetch.spec.whatwg.org/#null-body-status). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A `fetch` over `transport`, for relay({ fetch }). */
export function transportFetch(transport: Transport): typeof fetch {
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const method = (init.method ?? "GET").toUpperCase() as HttpMethod;
    const response = await transport.request({
      method,
      url,
      headers,
      body: (init.body ?? null) as ReadableStream<Uint8Array> | string | Uint8Array | null,
      signal: init.signal ?? undefined,
      followRedirects: false,
    });
    const empty = method === "HEAD" || NULL_BODY.has(response.status) || !response.body;
    if (empty) await response.body?.cancel();
    const body = empty ? null : decodeDocument(response.body!, response.headers);
    return new Response(body, { status: response.status, headers: response.headers });
  }) as typeof fetch;
}
