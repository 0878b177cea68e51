// Node: node:crypto runs at ~1.5 GB/s here, about 4x hash-wasm (docs/architecture.md §6 item 3). This is the one file
// of spec-types that may import a Node builtin; package.json "imports" picks it under the "node" condition.
import { createHash as nodeCreateHash } from "node:crypto";
import type { HashAlgorithm, Hasher } from "../hasher.js";

export async function createHasher(algorithm: HashAlgorithm): Promise<Hasher> {
  const hash = nodeCreateHash(algorithm);
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

export const hasherImplementation = "node:crypto";

/** Node hashes with node:crypto: hash-wasm handed over is not needed (the browser hasher's hook, for one API). */
export function provideHashWasm(_module: typeof import("./hash-wasm-sha2.js")): void {}
