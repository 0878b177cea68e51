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

/** A token (RFC 9110 §5.6.2). */
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** The spaces and commas before the next challenge, and its scheme when one is there. */
const SCHEME = new RegExp(`[ \\t,]*(?:(${TOKEN})[ \\t]*)?`, "y");
/**
 * One auth-param and the comma after it: a name, `=`, and a quoted string (escapes undone later; an unclosed one runs
 * to the end) or a token, whose trailing `=` are kept (a token68's padding). `comma` is empty when none follows: the
 * challenge ends there.
 */
const PARAM = new RegExp(
  `(${TOKEN})[ \\t]*=[ \\t]*(?:"((?:[^"\\\\]|\\\\[\\s\\S])*\\\\?)"?|(${TOKEN})?(=*))[ \\t]*(,?)[ \\t]*`,
  "y",
);

/** Parses every challenge of a WWW-Authenticate header value. Malformed parts are skipped, never thrown. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header || header.length > MAX_HEADER) return [];
  const out: Challenge[] = [];
  for (let at = 0; at < header.length; ) {
    SCHEME.lastIndex = at;
    const [skipped, scheme] = SCHEME.exec(header)!;
    if (!scheme) {
      // Not a challenge: skip to the next comma and try again.
      at = header.indexOf(",", at + skipped.length + 1);
      if (at === -1) break;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    at = SCHEME.lastIndex;
    for (let param: RegExpExecArray | null; ; ) {
      PARAM.lastIndex = at;
      param = PARAM.exec(header);
      if (!param) break;
      const [, name, quoted, token = "", padding, comma] = param;
      challenge.params[name!.toLowerCase()] = quoted === undefined ? token + padding : quoted.replace(/\\(.)/gs, "$1");
      at = PARAM.lastIndex;
      if (!comma) break;
    }
  }
  return out;
}
