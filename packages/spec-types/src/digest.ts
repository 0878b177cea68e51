// Digests, as image-spec v1.1.1 descriptor.md "Digests" defines them:
//   digest                ::= algorithm ":" encoded
//   algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
//   algorithm-component   ::= [a-z0-9]+
//   algorithm-separator   ::= [+._-]
//   encoded               ::= [a-zA-Z0-9=_-]+
// Registered algorithms are checked strictly (sha256: 64 lowercase hex, sha512: 128); an unknown algorithm that
// fits the grammar parses (the spec says it SHOULD pass validation) but cannot be verified.
import { OciError } from "./errors.js";
import type { HashAlgorithm } from "./hasher.js";

/** A digest string, `<algorithm>:<encoded>`. Values of this type come from {@link parseDigest} or trusted code. */
export type Digest = `${string}:${string}`;

/** A digest taken apart. */
export interface ParsedDigest {
  /** The whole digest, as given. */
  readonly digest: Digest;
  /** The algorithm (`sha256`, `sha512`, or an unknown one that fits the grammar). */
  readonly algorithm: string;
  /** The encoded part (lowercase hex for the registered algorithms). */
  readonly encoded: string;
  /** Whether toci can compute this algorithm, and so verify content against it. */
  readonly verifiable: boolean;
}

const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Registered algorithms with the exact form of their encoded part. blake3 is registered on image-spec main. */
const REGISTERED: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
  blake3: /^[a-f0-9]{64}$/,
};

/** Algorithms whose content toci can hash. */
const VERIFIABLE: ReadonlySet<string> = new Set<HashAlgorithm>(["sha256", "sha512"]);

/** A digest longer than this is refused before any regex runs: no registered digest comes close. */
const MAX_DIGEST_LENGTH = 1024;

/**
 * Parses a digest. Throws an {@link OciError} with code `DIGEST_INVALID` when it does not fit the grammar, or
 * when a registered algorithm's encoded part has the wrong length or is not lowercase hex.
 */
export function parseDigest(value: string): ParsedDigest {
  const problem = digestProblem(value);
  if (problem !== undefined) throw new OciError("DIGEST_INVALID", problem);
  const colon = value.indexOf(":");
  const algorithm = value.slice(0, colon);
  return {
    digest: value as Digest,
    algorithm,
    encoded: value.slice(colon + 1),
    verifiable: VERIFIABLE.has(algorithm),
  };
}

/** Whether `value` is a valid digest (see {@link parseDigest}). */
export function isDigest(value: unknown): value is Digest {
  // Without building the error parseDigest throws: a tag checked on every resolve would pay for its stack trace.
  return typeof value === "string" && digestProblem(value) === undefined;
}

/** What is wrong with `value` as a digest, or undefined when it is one. */
function digestProblem(value: string): string | undefined {
  if (typeof value !== "string" || value.length > MAX_DIGEST_LENGTH || !GRAMMAR.test(value)) {
    return `invalid digest ${describe(value)}`;
  }
  const colon = value.indexOf(":");
  const algorithm = value.slice(0, colon);
  const form = REGISTERED[algorithm];
  if (form && !form.test(value.slice(colon + 1))) {
    return `invalid ${algorithm} digest ${describe(value)}: the encoded part must be ${algorithm === "sha512" ? 128 : 64} lowercase hex characters`;
  }
  return undefined;
}

/** The algorithm of a digest that toci can compute, or undefined when it cannot verify it. */
export function verifiableAlgorithm(digest: string): HashAlgorithm | undefined {
  const colon = digest.indexOf(":");
  const algorithm = colon === -1 ? "" : digest.slice(0, colon);
  return VERIFIABLE.has(algorithm) ? (algorithm as HashAlgorithm) : undefined;
}

function describe(value: unknown): string {
  if (typeof value !== "string") return `(${typeof value})`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
