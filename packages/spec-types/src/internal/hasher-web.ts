// Browsers and other runtimes: WebCrypto cannot hash a stream incrementally, so hash-wasm does (~350 MB/s here,
// docs/architecture.md §6 item 3). hash-wasm is an optional peer dependency: Node never loads this file (the
// "node" condition of "#hasher" picks node:crypto), so Node installs do without its 2 MB; a browser app installs
// it beside @toci/spec-types. It is imported on first use (through hash-wasm-sha2.ts), so a missing install is a
// clear OciError, not a bare module-resolution failure (bundlers report it at build time already).

import { OciError } from "../errors.js";
import type { HashAlgorithm, Hasher } from "../hasher.js";

type HashWasm = typeof import("./hash-wasm-sha2.js");

let hashWasm: Promise<HashWasm> | undefined;

/**
 * Hands hash-wasm's two hashers to the browser hasher, for where `import()` is not allowed: a module service worker
 * (HTML: "import() is disallowed in a ServiceWorkerGlobalScope") imports them statically and passes them here.
 */
export function provideHashWasm(module: HashWasm): void {
  hashWasm = Promise.resolve(module);
}

function loadHashWasm(): Promise<HashWasm> {
  hashWasm ??= import("./hash-wasm-sha2.js").catch((cause: unknown) => {
    hashWasm = undefined; // a later call may succeed (an import map added, a retry after a failed chunk load)
    throw new OciError(
      "UNSUPPORTED",
      "hashing outside Node needs the hash-wasm package: npm install hash-wasm (an optional peer dependency of @toci/spec-types)",
      { cause },
    );
  });
  return hashWasm;
}

export async function createHasher(algorithm: HashAlgorithm): Promise<Hasher> {
  const { createSHA256, createSHA512 } = await loadHashWasm();
  const hash = algorithm === "sha256" ? await createSHA256() : await createSHA512();
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
