// node:http ⇄ Request/Response, streaming both ways with back-pressure: a request body is read from the socket
// only as fast as the handler reads it, and a response body only as fast as the socket takes it, so memory stays
// flat whatever the size of a blob. (Node only: imported by node.ts alone.)
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";

/** The Request for an incoming message, or undefined when its target is not a path (`GET http://other/…`). */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request | undefined {
  const target = req.url ?? "";
  if (!target.startsWith("/")) return undefined;
  const scheme = (req.socket as TLSSocket).encrypted ? "https" : "http";
  let url: URL;
  try {
    url = new URL(target, `${scheme}://${req.headers.host ?? "localhost"}`);
  } catch {
    return undefined;
  }
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // A header value fetch refuses (control characters): dropped.
    }
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? null : bodyStream(req);
  return new Request(url, { method, headers, body, signal, duplex: "half" } as RequestInit);
}

/** The message's body as a ReadableStream that pulls from the socket. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.pause();
      req.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on("end", () => {
        done = true;
        controller.close();
      });
      req.on("error", (error) => {
        done = true;
        controller.error(error);
      });
      req.on("close", () => {
        if (!done) controller.error(new Error("the request body was cut"));
        done = true;
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.destroy();
    },
  });
}

/** Writes a Response to a ServerResponse. */
export async function writeWebResponse(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  if (head || response.body === null) {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) throw new Error("the client went away");
    }
    res.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Resolves when the socket takes more, or when it closed (the loop then stops). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
