// A relay in a process of its own, for the memory test: its RSS is the relay's alone. Reads its options as JSON
// from argv[2] (`"fetch": "node"` picks nodeFetch), prints its URL on stdout, and runs until killed.
import { relay } from "../dist/index.js";
import { nodeFetch, serve } from "../dist/node.js";

const { fetch, ...options } = JSON.parse(process.argv[2]);
const server = await serve(relay({ ...options, fetch: fetch === "node" ? nodeFetch : globalThis.fetch }));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
