// A Transport over a plain function from Request to Response, for unit tests that need a tiny registry in memory.
// Integration tests use @toci/transport-fetch against the real registry instead.
import type { Transport, TransportRequest, TransportResponse } from "@toci/spec-types";

export type Handler = (request: Request) => Response | Promise<Response>;

export interface RecordingTransport extends Transport {
  requests: Array<{ method: string; url: string; authorization: string | null }>;
}

export function handlerTransport(handler: Handler): RecordingTransport {
  const requests: RecordingTransport["requests"] = [];
  return {
    requests,
    async request(req: TransportRequest): Promise<TransportResponse> {
      const headers = new Headers(req.headers);
      requests.push({ method: req.method, url: req.url, authorization: headers.get("authorization") });
      const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: req.signal };
      if (req.body !== undefined && req.body !== null) {
        init.body = req.body as BodyInit;
        if (req.body instanceof ReadableStream) init.duplex = "half";
      }
      const res = await handler(new Request(req.url, init));
      return { status: res.status, headers: res.headers, body: req.method === "HEAD" ? null : res.body, url: req.url };
    },
  };
}

export const json = (value: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(value), {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });
