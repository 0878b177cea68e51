// PAX extended header records (POSIX pax "pax Extended Header"): `<length> <key>=<value>\n`, the length counting
// the whole record. Used to read long names, long link targets, big sizes and times, and to write them.

import { invalid } from "./errors.js";
import { decodeName } from "./tar-header.js";

const encoder = new TextEncoder();

/** Parses the records of an extended header into `into` (an empty value deletes the key, as POSIX says). */
export function parsePax(body: Uint8Array, into: Map<string, string>): void {
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break; // NUL padding after the last record
    let space = at;
    while (space < body.length && body[space]! >= 0x30 && body[space]! <= 0x39) space++;
    const length = Number(decodeName(body.subarray(at, space)));
    const end = at + length;
    if (
      body[space] !== 0x20 ||
      space === at ||
      length <= space - at + 1 ||
      end > body.length ||
      body[end - 1] !== 0x0a
    ) {
      throw invalid("malformed PAX extended header record");
    }
    const record = decodeName(body.subarray(space + 1, end - 1));
    const eq = record.indexOf("=");
    if (eq <= 0) throw invalid("malformed PAX extended header record");
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (value === "") into.delete(key);
    else into.set(key, value);
    at = end;
  }
}

/** Encodes records for an extended header. */
export function formatPax(records: ReadonlyMap<string, string>): Uint8Array {
  let out = "";
  for (const [key, value] of records) {
    const rest = ` ${key}=${value}\n`;
    const restLength = encoder.encode(rest).length;
    let length = restLength + 1;
    while (String(length).length + restLength !== length) length = String(length).length + restLength;
    out += `${length}${rest}`;
  }
  return encoder.encode(out);
}

/** A PAX decimal integer (size, uid, gid), refused when it is not one. */
export function paxInteger(value: string, key: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw invalid(`PAX ${key} ${JSON.stringify(value.slice(0, 40))} is not an integer`);
  return n;
}
