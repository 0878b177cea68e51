// The 512-byte tar header (POSIX.1-2001 pax/ustar, https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html
// "ustar Interchange Format"; GNU extensions as GNU tar documents them): field offsets, numbers, names, checksum.
import { invalid } from "./errors.js";

export const BLOCK = 512;

/** A header field: offset and length. */
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  linkname: [157, 100],
  magic: [257, 8],
  uname: [265, 32],
  gname: [297, 32],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

type Field = readonly [number, number];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Bytes of a name as a string: UTF-8 when they are UTF-8, else one character per byte (Latin-1), so that two
 * different byte strings never become the same name.
 */
export function decodeName(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return s;
  }
}

/** A NUL-terminated string field. */
export function text(header: Uint8Array, [at, len]: Field): string {
  const field = header.subarray(at, at + len);
  const end = field.indexOf(0);
  return decodeName(end === -1 ? field : field.subarray(0, end));
}

/**
 * A numeric field: octal ASCII (leading spaces or NULs, ended by a space or NUL), or GNU base-256 when the high bit
 * of the first byte is set (sizes past 8 GiB). Negative or unsafe values are refused.
 */
export function number(header: Uint8Array, [at, len]: Field, name: string): number {
  const field = header.subarray(at, at + len);
  let value = 0;
  if ((field[0]! & 0x80) !== 0) {
    if (field[0] === 0xff) throw invalid(`negative tar ${name}`);
    value = field[0]! & 0x7f;
    for (let i = 1; i < len; i++) value = value * 256 + field[i]!;
  } else {
    let i = 0;
    while (i < len && (field[i] === 0x20 || field[i] === 0)) i++;
    for (; i < len && field[i] !== 0x20 && field[i] !== 0; i++) {
      const digit = field[i]! - 0x30;
      if (digit < 0 || digit > 7) throw invalid(`tar ${name} field is not octal`);
      value = value * 8 + digit;
    }
  }
  if (!Number.isSafeInteger(value)) throw invalid(`tar ${name} is out of range`);
  return value;
}

/** Whether the stored checksum matches: the unsigned sum (POSIX), or the signed sum some old tars wrote. */
export function checksumOk(header: Uint8Array): boolean {
  const stored = number(header, F.checksum, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Writes `value` as a NUL-terminated octal field; false when it does not fit (then PAX carries it). */
export function putOctal(header: Uint8Array, [at, len]: Field, value: number): boolean {
  const digits = value.toString(8);
  if (value < 0 || digits.length > len - 1) return false;
  const padded = digits.padStart(len - 1, "0");
  for (let i = 0; i < len - 1; i++) header[at + i] = padded.charCodeAt(i);
  header[at + len - 1] = 0;
  return true;
}

/** Fills in the checksum of a header whose other fields are written. */
export function seal(header: Uint8Array): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  putOctal(header, [148, 7], sum);
  header[155] = 0x20;
}
