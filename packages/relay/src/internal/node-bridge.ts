// node:http ⇄ Request/Response, streaming both ways with back-pressure: a request body is read from the socket
// only as fast as the handler reads it, and a response body only as fast as the socket takes it, so memory stays
// flat whatever the size of a blob. (Node only: imported by node.ts alone.)
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable, Writable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { HOST } from "../options.js";

/**
 * The Request for an incoming message, or undefined when its target is not a path (`GET http://other/…`) or its
 * `Host` is not a host: the handler builds the URLs it writes back (`WWW-Authenticate` realms, `Location`) from
 * them, so neither may carry quotes or name another host (`GET //other.example/…` is a path here, not a URL).
 */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request | undefined {
  const target = req.url ?? "";
  const host = req.headers.host ?? "localhost";
  if (!target.startsWith("/") || !HOST.test(host)) return undefined;
  const scheme = (req.socket as TLSSocket).encrypted ? "https" : "http";
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}${target}`);
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

/**
 * A message's body as a ReadableStream that pulls from the socket. Cancelling it destroys the message (its
 * connection is not reused: draining a blob nobody wants costs more than a new connection).
 */
export function bodyStream(message: Readable): ReadableStream<Uint8Array> {
  // Settled: closed, errored or cancelled; events after that (a socket's late "data" or "end") are ignored.
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        message.pause();
        message.on("data", (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) message.pause();
        });
        message.on("end", () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          controller.error(error);
        };
        message.on("error", fail);
        message.on("close", () => fail(new Error("the body was cut")));
      },
      pull() {
        message.resume();
      },
      cancel() {
        settled = true;
        message.destroy();
      },
    },
    READ_AHEAD,
  );
}

/**
 * How far a body is read ahead of its reader: 1 MiB, so that the socket keeps flowing between reads (one chunk
 * ahead paused and resumed the socket for every 64 KiB) while memory stays bounded.
 */
const READ_AHEAD = { highWaterMark: 1024 * 1024, size: (chunk: Uint8Array) => chunk.byteLength };

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
  // The head goes now, not with the first chunk of the body: a client learns the status of a slow upstream's
  // answer (and can give up on it) before its bytes come.
  res.flushHeaders();
  await writeAll(response.body, res).catch(() => {});
}

/**
 * Writes a stream to a writable as fast as it takes it, then ends it. On a failure (of the stream, or of the
 * writable: a peer gone) the stream is cancelled, the writable destroyed, and the error thrown.
 */
export async function writeAll(body: ReadableStream<Uint8Array>, out: Writable): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!out.write(value)) await drained(out);
      if (out.destroyed) throw new Error("the connection was closed");
    }
    out.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    out.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** Resolves when the writable takes more, or when it closed (the caller then stops). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}
