// What a browser app ships to pull into IndexedDB: the client, the fetch transport and the IndexedDB store. The
// bundle budget test (test/bundle.test.ts) builds this with vite (rolldown) for browsers, minified, and gzips it.
export { Client, isOciError, OciError, parseReference } from "@toci/client";
export { indexedDbStore } from "@toci/store-indexeddb";
export { fetchTransport } from "@toci/transport-fetch";
