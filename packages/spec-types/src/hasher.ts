/** Digest algorithms toci can compute (image-spec descriptor.md "Registered algorithms"). */
export type HashAlgorithm = "sha256" | "sha512";

/** An incremental hash over a stream of bytes. */
export interface Hasher {
  /** The algorithm this hasher computes. */
  readonly algorithm: HashAlgorithm;
  /** Feeds the next bytes. */
  update(chunk: Uint8Array): void;
  /** Finishes and returns `<algorithm>:<lowercase hex>`. The hasher cannot be used afterwards. */
  digest(): `${HashAlgorithm}:${string}`;
}
