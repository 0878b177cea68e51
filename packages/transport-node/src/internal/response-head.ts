// The head of an HTTP/1.1 response (RFC 9112 §4–§6): the status line, the header fields, and what they say about
// the body's framing and the connection's reuse. Strict where leniency would let a response be read two ways
// (conflicting Content-Length, Content-Length beside chunked: request smuggling's tools), lenient elsewhere
// (a reason phrase is ignored; a field whose name the Fetch rules refuse is dropped, as before).

import { HeaderList } from "../headers.js";

/** How the body of a response is delimited (RFC 9112 §6.3). */
export type Framing = { type: "none" } | { type: "length"; length: number } | { type: "chunked" } | { type: "close" };

/** A parsed response head. */
export interface ResponseHead {
  status: number;
  headers: HeaderList;
  framing: Framing;
  /** Whether the connection may carry another request once this response has been read. */
  keepAlive: boolean;
}

/** A response head that cannot be read one way only: the connection is dropped, the attempt fails (NETWORK). */
export class MalformedResponse extends Error {
  override name = "MalformedResponse";
}

/**
 * Parses a head (without its final empty line) given in latin1, for a request of `method`. Throws
 * {@link MalformedResponse}.
 */
export function parseHead(text: string, method: string): ResponseHead {
  const lines = text.split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
  if (!status) throw new MalformedResponse(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
  const code = Number(status[2]);
  const headers = new HeaderList();
  const connection: string[] = [];
  const lengths: string[] = [];
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    // Obsolete line folding (a line starting with whitespace) is refused, as RFC 9112 §5.2 allows a client to.
    if (colon <= 0 || line[0] === " " || line[0] === "\t") {
      throw new MalformedResponse(`malformed header line ${JSON.stringify(line.slice(0, 40))}`);
    }
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (lower === "content-length") lengths.push(...value.split(",").map((v) => v.trim()));
    else if (lower === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
    else if (lower === "connection")
      connection.push(
        ...value
          .toLowerCase()
          .split(",")
          .map((v) => v.trim()),
      );
    try {
      headers.append(name, value);
    } catch {
      // A field the Fetch rules refuse (a name that is not a token): dropped; fetch would fail the whole response.
    }
  }
  const http10 = status[1] === "0";
  const keepAlive = http10 ? connection.includes("keep-alive") : !connection.includes("close");
  return { status: code, headers, framing: framing(code, method, chunked, lengths), keepAlive };
}

function framing(status: number, method: string, chunked: boolean, lengths: string[]): Framing {
  // RFC 9112 §6.3: responses to HEAD, 1xx, 204 and 304 have no body whatever their headers say.
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return { type: "none" };
  if (chunked) {
    if (lengths.length > 0) throw new MalformedResponse("both Transfer-Encoding: chunked and Content-Length");
    return { type: "chunked" };
  }
  if (lengths.length === 0) return { type: "close" };
  if (!lengths.every((v) => /^\d{1,15}$/.test(v) && v === lengths[0])) {
    throw new MalformedResponse(`invalid or conflicting Content-Length ${JSON.stringify(lengths.join(", "))}`);
  }
  const length = Number(lengths[0]);
  return length === 0 ? { type: "none" } : { type: "length", length };
}

/** The chunked transfer coding (RFC 9112 §7.1), decoded in place: hands out data spans, skips sizes and trailers. */
export class ChunkedDecoder {
  #state: "size" | "data" | "data-end" | "trailer" | "done" = "size";
  #left = 0;

  get done(): boolean {
    return this.#state === "done";
  }

  /**
   * Decodes `buffer[from, to)`; `data` receives each data span (a view). Returns how far it consumed: a partial
   * line is left for the next call, with more bytes. Throws {@link MalformedResponse}.
   */
  decode(buffer: Buffer, from: number, to: number, data: (view: Buffer) => void): number {
    let at = from;
    while (at < to && this.#state !== "done") {
      if (this.#state === "data") {
        const take = Math.min(this.#left, to - at);
        data(buffer.subarray(at, at + take));
        at += take;
        this.#left -= take;
        if (this.#left === 0) this.#state = "data-end";
        continue;
      }
      const end = buffer.indexOf("\r\n", at, "latin1");
      if (end < 0 || end >= to) {
        if (to - at > MAX_LINE) throw new MalformedResponse("a chunk-size or trailer line is too long");
        return at;
      }
      const line = buffer.toString("latin1", at, end);
      at = end + 2;
      if (this.#state === "data-end") {
        if (line !== "") throw new MalformedResponse("a chunk is longer than its size");
        this.#state = "size";
      } else if (this.#state === "size") {
        const size = /^([0-9a-f]{1,13})[ \t]*(?:;.*)?$/i.exec(line);
        if (!size) throw new MalformedResponse(`invalid chunk size ${JSON.stringify(line.slice(0, 20))}`);
        this.#left = Number.parseInt(size[1]!, 16);
        this.#state = this.#left === 0 ? "trailer" : "data";
      } else if (line === "") {
        this.#state = "done"; // the empty line after the trailer fields
      }
    }
    return at;
  }
}

/** The longest chunk-size or trailer line accepted: far beyond any real one, short of holding a body in memory. */
const MAX_LINE = 16 * 1024;
