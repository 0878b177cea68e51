// `Warning` headers (the same rules as @toci/transport-fetch; adapters share no code, see index.ts) (distribution-spec "Warnings"): a registry may send `Warning: 299 - "text"` on any response;
// clients SHOULD show them unobtrusively and de-duplicate them, and MUST NOT act on them.

import type { TransportWarning } from "./options.js";

// warn-code SP warn-agent SP quoted-string [SP quoted-date] (RFC 7234 §5.5); one header may hold several,
// separated by commas, and a comma may also appear inside the quoted text, so split by the grammar, not by ",".
const WARNING = /(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?/g;

/** The texts of the 299 warnings in a `Warning` header value. Other codes (RFC 7234's cache warnings) are ignored. */
export function parseWarnings(value: string | null): string[] {
  if (!value) return [];
  const texts: string[] = [];
  for (const match of value.matchAll(WARNING)) {
    if (match[1] === "299") texts.push(match[3]!.replace(/\\(.)/g, "$1"));
  }
  return texts;
}

// The de-duplication set is bounded, so that a registry sending a new text with every response (a timestamp,
// a request id) cannot grow it forever; past the bound, repeats may be reported again.
const MAX_REMEMBERED = 1000;

/** A reporter that calls `onWarning` once per distinct text it has seen. */
export function warningReporter(onWarning: ((warning: TransportWarning) => void) | undefined) {
  if (!onWarning) return (_headers: Headers, _url: string) => {};
  const seen = new Set<string>();
  return (headers: Headers, url: string) => {
    for (const text of parseWarnings(headers.get("warning"))) {
      if (seen.has(text)) continue;
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.add(text);
      try {
        onWarning({ text, url });
      } catch {
        // A hook that throws must not fail the request it only observes.
      }
    }
  };
}
