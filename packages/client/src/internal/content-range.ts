// Content-Range on a 206 blob response (RFC 9110 §14.4: `bytes first-last/complete`), which tells whether a
// registry honoured the Range a resumed download asked for.

/** A byte range with the complete length when the server named it. */
export interface ByteRange {
  first: number;
  last: number;
  complete: number | undefined;
}

/** Parses `bytes first-last/complete` (complete may be `*`). Returns undefined on anything else. */
export function parseContentRange(header: string | null | undefined): ByteRange | undefined {
  if (!header || header.length > 200) return undefined;
  const m = /^\s*bytes\s+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const complete = m[3] === "*" ? undefined : Number(m[3]);
  // 16 digits reach past 2^53, where Number() rounds and the comparisons below would lie.
  if (!Number.isSafeInteger(last) || (complete !== undefined && !Number.isSafeInteger(complete))) return undefined;
  if (last < first || (complete !== undefined && last >= complete)) return undefined;
  return { first, last, complete };
}
