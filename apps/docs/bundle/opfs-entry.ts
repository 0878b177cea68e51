// What a browser app ships to pull into the Origin Private File System: the pull entry of the client
// (@toci/client/pull: no push, copy or referrers upkeep), the fetch transport and the OPFS store, whose worker vite
// builds apart. The bundle budget test (test/bundle.test.ts) builds this with vite (rolldown) for browsers,
// minified, and gzips the page's files and the worker's; opfs-full-entry.ts is the same with the whole client.
export { Client, isOciError, OciError, parseReference } from "@toci/client/pull";
export { opfsStore } from "@toci/store-opfs";
export { fetchTransport } from "@toci/transport-fetch";
