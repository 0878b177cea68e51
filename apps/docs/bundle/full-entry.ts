// What a browser app ships that pulls and pushes with IndexedDB: the whole client (@toci/client), the fetch
// transport and the IndexedDB store. Measured beside entry.ts (the pull entry) by test/bundle.test.ts.
export { Client, isOciError, OciError, parseReference } from "@toci/client";
export { indexedDbStore } from "@toci/store-indexeddb";
export { fetchTransport } from "@toci/transport-fetch";
