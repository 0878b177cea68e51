// What a browser app ships that pulls and pushes with the Origin Private File System: the whole client
// (@toci/client), the fetch transport and the OPFS store with its worker. Measured beside opfs-entry.ts (the pull
// entry) by test/bundle.test.ts.
export { Client, isOciError, OciError, parseReference } from "@toci/client";
export { opfsStore } from "@toci/store-opfs";
export { fetchTransport } from "@toci/transport-fetch";
