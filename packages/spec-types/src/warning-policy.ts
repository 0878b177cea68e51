// `Warning` headers (distribution-spec "Warnings"): a registry may send `Warning: 299 - "text"` on any response;
// clients SHOULD show them unobtrusively and de-duplicate them, and MUST NOT act on them. Shared by transports,
// like retry-policy.ts: each passes the header value of every response it receives to its reporter.
import { redactUrl } from "./redact.js";

/** A registry's warning, as a transport's `onWarning` hook receives it. */
export interface TransportWarning {
  /** The warning's text (the quoted part of `299 - "text"`). */
  text: string;
  /** The URL of the response that carried it, without userinfo, query or fragment (redact.ts). */
  url: string;
}

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

/**
 * A reporter that calls `onWarning` once per distinct text it has seen: give it each response's `Warning` header
 * value and URL. A hook that throws does not fail the request it only observes.
 */
export function warningReporter(
  onWarning: ((warning: TransportWarning) => void) | undefined,
): (header: string | null, url: string) => void {
  if (!onWarning) return () => {};
  const seen = new Set<string>();
  return (header, url) => {
    for (const text of parseWarnings(header)) {
      if (seen.has(text)) continue;
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.add(text);
      try {
        onWarning({ text, url: redactUrl(url) });
      } catch {
        // see above
      }
    }
  };
}
