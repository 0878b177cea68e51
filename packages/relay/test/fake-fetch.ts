// A recording stand-in for the relay's upstream fetch: every request the relay sends is kept (URL, method, headers,
// body), and a small handler answers it. Unit tests only; integration tests use a real registry.

/** A request the relay sent upstream. */
export interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records and answers with `answer`. */
export function fakeFetch(answer: (sent: Sent) => Response | Promise<Response>): {
  fetch: typeof fetch;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const fetchFn = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body ? await new Response(init.body).text() : undefined;
    const record: Sent = { url: String(input), method: init.method ?? "GET", headers, body };
    sent.push(record);
    return answer(record);
  };
  return { fetch: fetchFn as typeof fetch, sent };
}

/** A request to the relay, from `origin` (none when null). */
export function request(url: string, init: RequestInit & { origin?: string | null } = {}): Request {
  const headers = new Headers(init.headers);
  const origin = init.origin === undefined ? PAGE : init.origin;
  if (origin !== null) headers.set("origin", origin);
  return new Request(url, { ...init, headers, duplex: "half" } as RequestInit);
}

export const PAGE = "https://app.example";
export const RELAY = "https://relay.example";

/** How the relay spells a realm in its token URLs. */
export function b64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
