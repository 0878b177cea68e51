// The page ↔ worker protocol: one request, one reply, matched by id. Byte buffers travel as transferred
// ArrayBuffers (moved, not copied) and come back the same way, so the page reuses a few warm buffers. Errors cross
// as data: an OciError keeps its code and detail; anything else (a DOMException such as QuotaExceededError) keeps
// its name, which the page maps to STORE.
import { type Descriptor, isOciError, OciError, type OciErrorCode } from "@toci/spec-types";

/** What the page asks the worker. `writer` is an id the worker gave on `open`. */
export type WorkerRequest =
  | { op: "ping" }
  | { op: "open"; store: string; descriptor: Pick<Descriptor, "digest" | "size">; resume: boolean }
  | { op: "write"; writer: number; buffer: ArrayBuffer; length: number }
  | { op: "commit" | "close" | "abort"; writer: number };

/** The answer to `open`: a writer and what it already holds, or nothing to write (the blob is there). */
export type OpenReply = { writer: number; offset: number } | { present: true };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

export type ErrorData =
  | { kind: "oci"; code: OciErrorCode; message: string; detail?: Readonly<Record<string, unknown>> }
  | { kind: "other"; name: string; message: string };

export function toErrorData(error: unknown): ErrorData {
  if (isOciError(error)) {
    return { kind: "oci", code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  }
  const e = error as { name?: unknown; message?: unknown } | null;
  return { kind: "other", name: String(e?.name ?? "Error"), message: String(e?.message ?? error) };
}

/** The error again, on this side: an OciError, or a DOMException of the same name. */
export function fromErrorData(data: ErrorData): Error {
  if (data.kind === "oci") return new OciError(data.code, data.message, data.detail ? { detail: data.detail } : {});
  return new DOMException(data.message, data.name);
}

/** The page's end of the channel to its worker. */
export interface WorkerChannel {
  call<T>(request: WorkerRequest, transfer?: Transferable[]): Promise<T>;
  /** Ends the worker; pending and later calls fail with CLOSED. */
  close(): void;
}

export function workerChannel(worker: Worker, store: string): WorkerChannel {
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
    if (!call) return;
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(fromErrorData(reply.error));
  };
  // A worker script that cannot load (a bundler that did not ship worker.js, a CSP) or that crashed.
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    end(new OciError("STORE", `the worker of the OPFS store ${store} failed: ${event.message || "it did not start"}`));
  };
  return {
    call<T>(request: WorkerRequest, transfer: Transferable[] = []) {
      if (ended) return Promise.reject(ended);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ id, request }, transfer);
      });
    },
    close() {
      worker.terminate();
      end(new OciError("CLOSED", `the store ${store} is closed`));
    },
  };
}

/**
 * A channel to a server in this very thread (a store made inside a dedicated worker, where sync access handles
 * open): calls, no messages, no second worker. Errors pass as they are.
 */
export function localChannel(
  server: { answer(request: WorkerRequest): Promise<{ value: unknown }>; closeAll(): void },
  store: string,
): WorkerChannel {
  let ended: OciError | undefined;
  return {
    async call<T>(request: WorkerRequest) {
      if (ended) throw ended;
      return (await server.answer(request)).value as T;
    },
    close() {
      ended ??= new OciError("CLOSED", `the store ${store} is closed`);
      server.closeAll();
    },
  };
}
