// The page ↔ worker protocol of the store's writer worker (worker.ts): one request, one reply, matched by id. Byte
// buffers are transferred (moved, not copied) and come back the same way, so the page fills a few warm buffers
// again and again. Errors cross as data: an OciError keeps its code, detail and message; anything else (a
// DOMException such as QuotaExceededError) keeps its name, which the page maps to STORE.
import { type Descriptor, isOciError, OciError, type OciErrorCode } from "@toci/spec-types";

/** What the page asks the worker. `writer` is an id the worker gave on `open`. */
export type WriterRequest =
  | { op: "ping" }
  | {
      op: "open";
      database: string;
      segmentSize: number;
      descriptor: Pick<Descriptor, "mediaType" | "digest" | "size">;
      resume: boolean;
    }
  | { op: "write"; writer: number; buffer: ArrayBuffer; length: number }
  | { op: "commit" | "close" | "abort"; writer: number };

/** The answer to `open`: a writer and what it already holds, or nothing to write (the blob is there). */
export type OpenReply = { writer: number; offset: number } | { present: true };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

type ErrorData =
  | { oci: true; code: OciErrorCode; message: string; detail?: Readonly<Record<string, unknown>> }
  | { oci: false; name: string; message: string };

/** An error as plain data (structured clone keeps an Error's message, not its class or code). */
export function errorData(error: unknown): ErrorData {
  if (isOciError(error)) return { oci: true, code: error.code, message: error.message, detail: error.detail };
  const e = error as { name?: unknown; message?: unknown } | null;
  return { oci: false, name: String(e?.name ?? "Error"), message: String(e?.message ?? error) };
}

function fromData(data: ErrorData): Error {
  return data.oci
    ? new OciError(data.code, data.message, data.detail ? { detail: data.detail } : {})
    : new DOMException(data.message, data.name);
}

/** The page's end of the channel. */
export interface WriterChannel {
  call<T>(request: WriterRequest, transfer?: Transferable[]): Promise<T>;
  /** Whether the worker is gone: it failed, or was closed. */
  readonly ended: boolean;
  /** Ends the worker; pending and later calls fail with CLOSED. */
  close(): void;
}

export function writerChannel(worker: Worker, database: string): WriterChannel {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let next = 0;
  let ended: OciError | undefined;
  const end = (error: OciError) => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(ended);
    pending.clear();
  };
  worker.onmessage = (event: MessageEvent<Reply>) => {
    const reply = event.data;
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) call?.resolve(reply.value);
    else call?.reject(fromData(reply.error));
  };
  // A script that cannot load (a bundler that did not ship worker.js, a CSP), or an error nothing in it caught: the
  // worker's state is unknown from here on, so every call fails, now and later, and the store must be reopened.
  const failed = (event: Event) => {
    event.preventDefault();
    const message = (event as ErrorEvent).message || "it stopped";
    end(new OciError("STORE", `the writer worker of the IndexedDB store ${database} failed: ${message}`));
    worker.terminate();
  };
  worker.onerror = failed;
  worker.onmessageerror = failed;
  return {
    get ended() {
      return ended !== undefined;
    },
    call<T>(request: WriterRequest, transfer: Transferable[] = []) {
      if (ended) return Promise.reject(ended);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ id, request }, transfer);
      });
    },
    close() {
      worker.terminate();
      end(new OciError("CLOSED", `the store ${database} is closed`));
    },
  };
}
