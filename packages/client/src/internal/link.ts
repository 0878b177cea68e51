// The Link header (RFC 8288) of paginated tag and catalog lists (distribution-spec "Listing Tags": follow
// `rel="next"`). Several links may share one header; URLs may be relative; parameters may be quoted or not and in
// any case. koci's greedy regex broke on all of these.

/** The target of the first `rel="next"` link, resolved against `base`, or undefined. Never throws. */
export function nextLink(header: string | null | undefined, base: string): string | undefined {
  if (!header || header.length > 16 * 1024) return undefined;
  for (const part of splitLinks(header)) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (!m) continue;
    const rels = relOf(m[2]!).toLowerCase().split(/\s+/);
    if (!rels.includes("next")) continue;
    try {
      return new URL(m[1]!, base).href;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** One `; name[=value]` link parameter; the value a token or a quoted-string (which may hold `;`, `,` and `rel=`). */
const PARAM = /\s*;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]*)))?/y;

/**
 * The value of a link's first `rel` parameter (RFC 8288 §3.3: later ones are ignored), found by walking the
 * parameters rather than searching the text, so that `title="; rel=next"` is not taken for one.
 */
function relOf(params: string): string {
  PARAM.lastIndex = 0;
  for (let m = PARAM.exec(params); m; m = PARAM.exec(params)) {
    if (m[1]!.toLowerCase() === "rel") return (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return "";
}

/** Splits a Link header at the commas between links (not those inside <…> or quotes). */
function splitLinks(header: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "<") depth++;
    else if (c === ">") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      parts.push(header.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(header.slice(start));
  return parts;
}
