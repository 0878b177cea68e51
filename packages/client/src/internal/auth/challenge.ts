// WWW-Authenticate parsing (RFC 9110 §11.6.1, §11.2): a header may hold several challenges, each a scheme followed
// by comma-separated auth-params whose values are tokens or quoted strings (which may contain commas and escaped
// quotes). Scheme and parameter names are case-insensitive. koci took the first parameter blindly and threw on a
// Bearer challenge without `scope` (koci.md §5.4 item 3); here a missing parameter is simply absent.

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
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    WS.lastIndex = i;
    WS.exec(header);
    i = WS.lastIndex;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  while (i < n) {
    skipWs();
    while (header[i] === ",") {
      i++;
      skipWs();
    }
    const scheme = token();
    if (!scheme) {
      // Not a challenge: skip to the next comma and try again.
      const next = header.indexOf(",", i + 1);
      if (next === -1) break;
      i = next;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    skipWs();
    // token68 form (`Basic abc==`) or a parameter list. A parameter is `name = value`; a bare token followed by
    // something else than '=' starts the next challenge.
    for (;;) {
      skipWs();
      const start = i;
      const name = token();
      if (!name) {
        i = start;
        break;
      }
      skipWs();
      if (header[i] !== "=") {
        i = start;
        break;
      }
      i++;
      skipWs();
      let value: string;
      if (header[i] === '"') {
        i++;
        let v = "";
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          v += header[i];
          i++;
        }
        i++;
        value = v;
      } else {
        value = token() ?? "";
        // token68 values may end in '=' padding.
        while (header[i] === "=") {
          value += "=";
          i++;
        }
      }
      challenge.params[name.toLowerCase()] = value;
      skipWs();
      if (header[i] === ",") {
        i++;
        continue;
      }
      break;
    }
  }
  return out;
}
