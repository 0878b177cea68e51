// What the store's writer side answers: the requests of rpc.ts, served where the sync access handles can be opened
// (a dedicated worker). worker.ts serves them to a page through messages; opfsStore created inside a dedicated worker
// serves them in that same thread (rpc.ts localChannel), with no second worker.
import type { WorkerAnswer, WriterOpenReply } from "@toci/spec-types";
import { type Layout, openLayout } from "./layout.js";
import type { WorkerRequest } from "./rpc.js";
import { abortWriter, append, closeWriter, commitWriter, openWriter, type Writer } from "./writer.js";

/** A reply, and the buffers it moves back. */
export type Answer = WorkerAnswer;

/** Answers requests; `closeAll` lets every open writer's file go (what they wrote stays a partial). */
export interface Server {
  answer(request: WorkerRequest): Promise<Answer>;
  closeAll(): void;
}

/** A server with its own tables of layouts and writers. */
export function writerServer(): Server {
  const layouts = new Map<string, Promise<Layout>>();
  const writers = new Map<number, Writer>();
  let nextWriter = 0;
  const writer = (id: number): Writer => {
    const found = writers.get(id);
    if (!found) throw new DOMException(`no writer ${id}`, "InvalidStateError");
    return found;
  };
  /** Takes a writer out of the table: the operations that end it run once. */
  const ending = (id: number): Writer => {
    const found = writer(id);
    writers.delete(id);
    return found;
  };
  const layoutOf = (store: string): Promise<Layout> => {
    let layout = layouts.get(store);
    if (!layout) {
      layout = openLayout(store);
      layout.catch(() => layouts.delete(store));
      layouts.set(store, layout);
    }
    return layout;
  };

  const answer = async (request: WorkerRequest): Promise<Answer> => {
    switch (request.op) {
      case "ping":
        return { value: "pong" };
      case "open": {
        const opened = await openWriter(
          await layoutOf(request.store),
          request.descriptor,
          request.resume,
          request.wholeDigestMax,
        );
        if (!opened) return { value: { present: true } satisfies WriterOpenReply };
        const id = nextWriter++;
        writers.set(id, opened);
        return { value: { writer: id, offset: opened.offset } satisfies WriterOpenReply };
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
  };
  const closeAll = () => {
    for (const id of [...writers.keys()]) {
      try {
        closeWriter(ending(id));
      } catch {
        // its handle is gone already; its lock went with it
      }
    }
  };
  return { answer, closeAll };
}
