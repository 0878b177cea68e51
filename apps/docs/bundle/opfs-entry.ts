// What a browser app ships to pull into the Origin Private File System: the client, the fetch transport and the
// OPFS store, whose worker vite builds apart. The bundle budget test (test/bundle.test.ts) builds this with vite
// (rolldown) for browsers, minified, and gzips the page's files and the worker's.
export { Client, isOciError, OciError, parseReference } from "@toci/client";
export { opfsStore } from "@toci/store-opfs";
export { fetchTransport } from "@toci/transport-fetch";
