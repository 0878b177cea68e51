// URLs as they may be shown: in an error message, a log line, a command's output. What a URL carries besides where it
// points is not for those: a redirect target on a storage host carries a signature in its query (pre-signed S3, GCS
// and Azure SAS URLs grant access to whoever holds them), an upload Location carries the session's state, and a URL
// typed with userinfo carries a password. Shared by the transports, the client and the command, so that one rule
// decides what of a URL leaves the process.

/** scheme://authority, then the path, the query and the fragment (RFC 3986 §3), without requiring a valid URL. */
const PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;
/** A URL inside free text: a scheme, `://`, and everything up to a space, a quote or an angle bracket. */
const IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * A URL without its userinfo, query and fragment: `https://user:pw@host/p?sig=x#f` is `https://…@host/p?…`. A string
 * that is not an absolute URL is cut at its first `?` or `#` the same way.
 */
export function redactUrl(url: string): string {
  const parts = PARTS.exec(url);
  if (!parts) {
    const cut = url.search(/[?#]/);
    return cut === -1 ? url : `${url.slice(0, cut)}${url[cut] === "?" ? "?…" : ""}`;
  }
  const [, scheme, authority = "", path = "", query] = parts;
  const at = authority.lastIndexOf("@");
  const host = at === -1 ? authority : `…@${authority.slice(at + 1)}`;
  return `${scheme}${host}${path}${query && query.length > 1 ? "?…" : ""}`;
}

/**
 * Every `scheme://…` URL inside a text, redacted with {@link redactUrl}; the rest of the text is unchanged (the
 * punctuation that ends a sentence after a URL, `…/v2/?x: 404`, stays outside it).
 */
export function redactUrls(text: string): string {
  return text.replace(IN_TEXT, (match) => {
    const tail = /[.,:;!)\]]+$/.exec(match)?.[0] ?? "";
    return redactUrl(match.slice(0, match.length - tail.length)) + tail;
  });
}
