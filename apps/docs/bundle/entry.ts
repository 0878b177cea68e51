// What a browser app ships to pull into IndexedDB: the pull entry of the client (@toci/client/pull: no push, copy or
// referrers upkeep), the fetch transport and the IndexedDB store. The bundle budget test (test/bundle.test.ts)
// builds this with vite (rolldown) for browsers, minified, and gzips it; full-entry.ts is the same with the whole
// client.
export { Client, isOciError, OciError, parseReference } from "@toci/client/pull";
export { indexedDbStore } from "@toci/store-indexeddb";
export { fetchTransport } from "@toci/transport-fetch";
