// The OPFS store's dedicated worker: it owns every sync access handle, so that the page's main thread never blocks
// on a write. The page starts it (opfs-store.ts) and speaks internal/rpc.ts to it; it is shipped as its own file so
// that a bundler finds it from `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`.
import { serveWorkerRequests, type WorkerScopeLike } from "@toci/spec-types";
import type { WorkerRequest } from "./internal/rpc.js";
import { writerServer } from "./internal/serve.js";

const server = writerServer();
serveWorkerRequests<WorkerRequest>(self as unknown as WorkerScopeLike, (request) => server.answer(request));
