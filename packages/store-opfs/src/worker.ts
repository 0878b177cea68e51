// The OPFS store's dedicated worker: it owns every sync access handle, so that the page's main thread never blocks
// on a write. The page starts it (opfs-store.ts) and speaks internal/rpc.ts to it; it is shipped as its own file so
// that a bundler finds it from `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`.
import { type Layout, openLayout } from "./internal/layout.js";
import { type OpenReply, toErrorData, type WorkerRequest } from "./internal/rpc.js";
import { abortWriter, append, closeWriter, commitWriter, openWriter, type Writer } from "./internal/writer.js";

interface Answer {
  value: unknown;
  transfer?: Transferable[];
}

const layouts = new Map<string, Promise<Layout>>();
const writers = new Map<number, Writer>();
let nextWriter = 0;

function writer(id: number): Writer {
  const found = writers.get(id);
  if (!found) throw new DOMException(`no writer ${id}`, "InvalidStateError");
  return found;
}

/** Takes a writer out of the table: the operations that end it run once. */
function ending(id: number): Writer {
  const found = writer(id);
  writers.delete(id);
  return found;
}

async function answer(request: WorkerRequest): Promise<Answer> {
  switch (request.op) {
    case "ping":
      return { value: "pong" };
    case "open": {
      let layout = layouts.get(request.store);
      if (!layout) {
        layout = openLayout(request.store);
        layout.catch(() => layouts.delete(request.store));
        layouts.set(request.store, layout);
      }
      const opened = await openWriter(await layout, request.descriptor, request.resume);
      if (!opened) return { value: { present: true } satisfies OpenReply };
      const id = nextWriter++;
      writers.set(id, opened);
      return { value: { writer: id, offset: opened.offset } satisfies OpenReply };
    }
    case "write":
      append(writer(request.writer), new Uint8Array(request.buffer, 0, request.length));
      // The buffer goes back to the page, which fills it again.
      return { value: { buffer: request.buffer }, transfer: [request.buffer] };
    case "commit":
      await commitWriter(ending(request.writer));
      return { value: undefined };
    case "close":
      closeWriter(ending(request.writer));
      return { value: undefined };
    case "abort":
      await abortWriter(ending(request.writer));
      return { value: undefined };
  }
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ id: number; request: WorkerRequest }>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.onmessage = (event) => {
  const { id, request } = event.data;
  answer(request).then(
    ({ value, transfer }) => scope.postMessage({ id, ok: true, value }, transfer ?? []),
    (error: unknown) => scope.postMessage({ id, ok: false, error: toErrorData(error) }),
  );
};
