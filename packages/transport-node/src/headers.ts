// A small `Headers` for the transport's requests and responses. The global `Headers` of Node is undici's, loaded on
// first use: measured here, that first `new Headers()` costs 60–80 ms and 12 MiB of RSS, which is the start-up and
// memory a Node-only transport exists to save (a toci process that uses this transport never loads undici at all).
// It follows the Fetch standard's observable behaviour for what a transport needs: names are case-insensitive and
// validated as tokens, values are trimmed and may not hold NUL/CR/LF, repeated names are joined with ", " except
// `set-cookie` (getSetCookie), and iteration is sorted by lower-case name. It satisfies the DOM `Headers` type, so
// the Transport contract is unchanged; `new Headers(these)` and `new Response(body, { headers: these })` accept it.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;
// HTTP whitespace (Fetch standard): tab, line feed, carriage return, space.
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** What a `HeaderList` can be built from: the forms `new Headers(init)` takes. */
export type HeaderInit = Iterable<readonly [string, string]> | Record<string, string>;

/** A `Headers` without undici; see the file comment. */
export class HeaderList implements Headers {
  readonly #map = new Map<string, string[]>();

  constructor(init?: HeaderInit | null) {
    if (init == null) return;
    const pairs: Iterable<readonly [string, string]> =
      Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init);
    for (const pair of pairs) {
      if (pair.length !== 2) throw new TypeError("a header must be a [name, value] pair");
      this.append(pair[0], pair[1]);
    }
  }

  append(name: string, value: string): void {
    const key = checkName(name);
    const list = this.#map.get(key);
    if (list) list.push(checkValue(value));
    else this.#map.set(key, [checkValue(value)]);
  }

  set(name: string, value: string): void {
    this.#map.set(checkName(name), [checkValue(value)]);
  }

  delete(name: string): void {
    this.#map.delete(checkName(name));
  }

  get(name: string): string | null {
    return this.#map.get(checkName(name))?.join(", ") ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(checkName(name));
  }

  getSetCookie(): string[] {
    return [...(this.#map.get("set-cookie") ?? [])];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const key of [...this.#map.keys()].sort()) {
      const values = this.#map.get(key)!;
      if (key === "set-cookie") for (const value of values) yield [key, value];
      else yield [key, values.join(", ")];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}

function checkName(name: string): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`invalid header name ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

function checkValue(value: string): string {
  const text = String(value).replace(EDGE_WHITESPACE, "");
  if (INVALID_VALUE.test(text)) throw new TypeError("invalid header value");
  return text;
}
