// The OPFS store's dedicated worker: it owns every sync access handle, so that the page's main thread never blocks
// on a write. The page starts it (opfs-store.ts) and speaks internal/rpc.ts to it; it is shipped as its own file so
// that a bundler finds it from `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`.
import { toErrorData, type WorkerRequest } from "./internal/rpc.js";
import { writerServer } from "./internal/serve.js";

const server = writerServer();
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ id: number; request: WorkerRequest }>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.onmessage = (event) => {
  const { id, request } = event.data;
  server.answer(request).then(
    ({ value, transfer }) => scope.postMessage({ id, ok: true, value }, transfer ?? []),
    (error: unknown) => scope.postMessage({ id, ok: false, error: toErrorData(error) }),
  );
};
