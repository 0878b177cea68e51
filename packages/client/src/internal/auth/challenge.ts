// WWW-Authenticate parsing (RFC 9110 §11.6.1, §11.2): a header may hold several challenges, each a scheme followed
// by comma-separated auth-params whose values are tokens or quoted strings (which may contain commas and escaped
// quotes). Scheme and parameter names are case-insensitive. A missing parameter (a Bearer challenge without `scope`)
// is simply absent, never an error.

/** One challenge: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  /** The scheme, lowercased (`bearer`, `basic`). */
  scheme: string;
  /** Parameters, names lowercased, values unquoted. */
  params: Record<string, string>;
}

/** The longest header parsed: a challenge is a few hundred bytes; anything near this is hostile or broken. */
const MAX_HEADER = 16 * 1024;

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const WS = /[ \t]*/y;

/** Parses every challenge of a WWW-Authenticate header value. Malformed parts are skipped, never thrown. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header || header.length > MAX_HEADER) return [];
  const out: Challenge[] = [];
  const scan = new Scanner(header);
  while (!scan.done) {
    scan.ws();
    while (scan.skip(",")) scan.ws();
    const scheme = scan.token();
    if (!scheme) {
      // Not a challenge: skip to the next comma and try again.
      if (!scan.toNextComma()) break;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    scan.ws();
    scan.params(challenge.params);
  }
  return out;
}

/** A cursor over a header value. */
class Scanner {
  readonly #text: string;
  #i = 0;

  constructor(text: string) {
    this.#text = text;
  }

  get done(): boolean {
    return this.#i >= this.#text.length;
  }

  ws(): void {
    WS.lastIndex = this.#i;
    WS.exec(this.#text);
    this.#i = WS.lastIndex;
  }

  /** Steps over `char` when it comes next. */
  skip(char: string): boolean {
    if (this.#text[this.#i] !== char) return false;
    this.#i++;
    return true;
  }

  token(): string | undefined {
    TOKEN.lastIndex = this.#i;
    const m = TOKEN.exec(this.#text);
    if (!m) return undefined;
    this.#i = TOKEN.lastIndex;
    return m[0];
  }

  /** Moves to the next comma after this position; false when there is none. */
  toNextComma(): boolean {
    const next = this.#text.indexOf(",", this.#i + 1);
    if (next === -1) return false;
    this.#i = next;
    return true;
  }

  /**
   * The token68 form (`Basic abc==`) or a parameter list. A parameter is `name = value`; a bare token followed by
   * something else than '=' starts the next challenge.
   */
  params(into: Record<string, string>): void {
    for (;;) {
      this.ws();
      const start = this.#i;
      const name = this.token();
      this.ws();
      if (!name || !this.skip("=")) {
        this.#i = start;
        return;
      }
      this.ws();
      into[name.toLowerCase()] = this.#text[this.#i] === '"' ? this.#quoted() : this.#bare();
      this.ws();
      if (!this.skip(",")) return;
    }
  }

  /** A quoted-string, unescaped. */
  #quoted(): string {
    const text = this.#text;
    let i = this.#i + 1;
    let v = "";
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\" && i + 1 < text.length) i++;
      v += text[i];
      i++;
    }
    this.#i = i + 1;
    return v;
  }

  /** A token, with the '=' padding token68 values may end in. */
  #bare(): string {
    let value = this.token() ?? "";
    while (this.skip("=")) value += "=";
    return value;
  }
}
