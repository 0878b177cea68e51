// Byte sizes on the command line: `4194304`, `4MiB`, `4M` (binary, as chunk sizes are), `500kB` (decimal, as the
// progress display prints them). Units are case-insensitive; a bare `k`/`m`/`g` is binary, like `docker --shm-size`.
import { UsageError } from "./errors.js";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/** Parses a size flag; throws a UsageError naming the flag for anything else, or a size outside [min, max]. */
export function parseSize(text: string, flag: string, min: number, max: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${flag} takes a size such as 4194304, 4MiB or 64M, not ${JSON.stringify(text)}`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < min || bytes > max) throw new UsageError(`${flag} must be between ${min} and ${max} bytes`);
  return bytes;
}

/** Parses a positive integer flag within [1, max]. */
export function parseCount(text: string, flag: string, max: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} takes a whole number from 1 to ${max}`);
  return n;
}
