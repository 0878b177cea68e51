// The token realms in a `WWW-Authenticate` header (RFC 9110 §11.6.1, https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1;
// the Bearer token flow of https://distribution.github.io/distribution/spec/auth/token/). The relay points each
// Bearer realm at itself, so that the browser asks the relay for its tokens too; everything else in the header
// is kept byte for byte.

/** Where a Bearer challenge's realm value sits in the header (quotes included), and what it says. */
export interface RealmSpan {
  start: number;
  end: number;
  value: string;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/** The realm parameters of the Bearer challenges in a header value; a malformed tail is ignored. */
export function bearerRealms(header: string): RealmSpan[] {
  const realms: RealmSpan[] = [];
  let scheme = "";
  let i = 0;
  while (i < header.length) {
    while (header[i] === " " || header[i] === "\t" || header[i] === ",") i++;
    TOKEN.lastIndex = i;
    const token = TOKEN.exec(header);
    if (!token) break;
    let k = TOKEN.lastIndex;
    while (header[k] === " " || header[k] === "\t") k++;
    if (header[k] !== "=") {
      // A token not followed by "=" starts a new challenge.
      scheme = token[0].toLowerCase();
      i = k;
      continue;
    }
    k++;
    while (header[k] === " " || header[k] === "\t") k++;
    const value = paramValue(header, k);
    if (!value) break;
    if (scheme === "bearer" && token[0].toLowerCase() === "realm") {
      realms.push({ start: k, end: value.end, value: value.text });
    }
    i = value.end;
  }
  return realms;
}

/** A quoted string or a token at `start`. */
function paramValue(header: string, start: number): { text: string; end: number } | undefined {
  if (header[start] !== '"') {
    TOKEN.lastIndex = start;
    const token = TOKEN.exec(header);
    return token ? { text: token[0], end: TOKEN.lastIndex } : undefined;
  }
  let text = "";
  for (let i = start + 1; i < header.length; i++) {
    const c = header[i];
    if (c === "\\") {
      text += header[i + 1] ?? "";
      i++;
    } else if (c === '"') {
      return { text, end: i + 1 };
    } else {
      text += c;
    }
  }
  return undefined;
}

/** The header with each Bearer realm replaced by what `replace` returns for it (undefined: kept). */
export function rewriteRealms(header: string, replace: (realm: string) => string | undefined): string {
  let out = header;
  // From the last span to the first, so that earlier offsets stay valid.
  for (const span of bearerRealms(header).reverse()) {
    const next = replace(span.value);
    // A quoted-string (https://www.rfc-editor.org/rfc/rfc9110#section-5.6.4): the relay's URL comes from the
    // request, and a runtime may let a `"` through in its host.
    const quoted = next?.replace(/["\\]/g, "\\$&");
    if (quoted !== undefined) out = `${out.slice(0, span.start)}"${quoted}"${out.slice(span.end)}`;
  }
  return out;
}
