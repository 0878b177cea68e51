// Browsers and other runtimes: WebCrypto cannot hash a stream incrementally, so hash-wasm does (~350 MB/s here,
// docs/architecture.md §6 item 3). The wasm module is instantiated once per algorithm and reused.
import { createSHA256, createSHA512, type IHasher } from "hash-wasm";
import type { HashAlgorithm, Hasher } from "../hasher.js";

export async function createHasher(algorithm: HashAlgorithm): Promise<Hasher> {
  const hash: IHasher = algorithm === "sha256" ? await createSHA256() : await createSHA512();
  hash.init();
  return {
    algorithm,
    update(chunk) {
      hash.update(chunk);
    },
    digest() {
      return `${algorithm}:${hash.digest("hex")}`;
    },
  };
}

export const hasherImplementation = "hash-wasm";
