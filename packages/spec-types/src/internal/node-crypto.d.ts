// The few lines of node:crypto that the Node hasher uses, declared here so that spec-types compiles without
// @types/node: the package is runtime-neutral, and this one file is the Node-specific exception (docs/architecture.md §1).
declare module "node:crypto" {
  interface NodeHash {
    update(data: Uint8Array): NodeHash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: string): NodeHash;
}
