// The two hash-wasm hashers toci uses, in a module of their own: hasher-web.ts imports this one lazily, and a
// bundler keeps only these two of hash-wasm's algorithms (a dynamic import of "hash-wasm" itself would take all of
// them: 185 KB of wasm instead of 31 KB).
export { createSHA256, createSHA512 } from "hash-wasm";
