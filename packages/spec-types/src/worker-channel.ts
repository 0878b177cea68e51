// The page ↔ worker protocol of the stores whose writes run in a dedicated worker (store-opfs, store-indexeddb's
// writer worker): one request, one reply, matched by id. Byte buffers are transferred (moved, not copied) and come
// back the same way, so the page fills a few warm buffers again and again. Errors cross as data: an OciError keeps
// its code, detail and message; anything else (a DOMException such as QuotaExceededError) keeps its name, which the
// page maps to STORE (webStorageError). A worker that fails ends the channel: every call fails, now and later.
// The worker and its scope are typed by what is used of them, not by the DOM's Worker: this package type-checks in
// a project without the DOM lib.
import { isOciError, OciError, type OciErrorCode } from "./errors.js";

/** An event of a worker, as much of it as the channel reads (a DOM MessageEvent or ErrorEvent has it). */
export interface WorkerEventLike {
  readonly data?: unknown;
  readonly message?: string;
  preventDefault(): void;
}

/** What the page's channel needs of a worker: a DOM `Worker` has all of it. */
export interface ChannelWorker {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: "message" | "error" | "messageerror", listener: (event: WorkerEventLike) => void): void;
  terminate(): void;
}

/** The page's end of a channel to a worker. */
export interface WorkerChannel<Request> {
  // Only ArrayBuffers are transferred (no DOM `Transferable` type, as above).
  call<T>(request: Request, transfer?: ArrayBuffer[]): Promise<T>;
  /** Whether the worker is gone: it failed, or was closed. */
  readonly ended: boolean;
  /** Ends the worker; pending and later calls fail with CLOSED. */
  close(): void;
}

/** How a channel names its worker and store in the errors it makes. */
export interface WorkerChannelNames {
  /** The worker, as a failure names it: `the worker of the OPFS store x` ("… failed: <the error's message>"). */
  worker: string;
  /** The store, as CLOSED names it. */
  store: string;
  /** The reason given when a failure has no message. */
  silent: string;
}

/** What a worker answers a request with: the value, and the buffers it moves back to the page. */
export interface WorkerAnswer {
  value: unknown;
  transfer?: ArrayBuffer[];
}

/**
 * What the worker's serving loop needs of its global scope (`self` in a dedicated worker). It serves through
 * `onmessage`, which a script importing the worker may wrap (a test's worker that crashes on purpose does).
 */
export interface WorkerScopeLike {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorData };

type ErrorData =
  | { kind: "oci"; code: OciErrorCode; message: string; detail?: Readonly<Record<string, unknown>> }
  | { kind: "other"; name: string; message: string };

/** An error as plain data (structured clone keeps an Error's message, not its class or code). */
function toErrorData(error: unknown): ErrorData {
  if (isOciError(error)) {
    return { kind: "oci", code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  }
  const e = error as { name?: unknown; message?: unknown } | null;
  return { kind: "other", name: String(e?.name ?? "Error"), message: String(e?.message ?? error) };
}

/** The error again, on the page: an OciError, or a DOMException of the same name. */
function fromErrorData(data: ErrorData): Error {
  if (data.kind === "oci") return new OciError(data.code, data.message, data.detail ? { detail: data.detail } : {});
  return new DOMException(data.message, data.name);
}

/** The page's end of a channel to `worker`, which serves requests with {@link serveWorkerRequests}. */
export function workerChannel<Request>(worker: ChannelWorker, names: WorkerChannelNames): WorkerChannel<Request> {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let next = 0;
  let ended: OciError | undefined;
  const end = (error: OciError) => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(ended);
    pending.clear();
  };
  worker.addEventListener("message", (event) => {
    const reply = event.data as Reply;
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) call?.resolve(reply.value);
    else call?.reject(fromErrorData(reply.error));
  });
  // A script that cannot load (a bundler that did not ship it, a CSP), or an error nothing in it caught: the
  // worker's state is unknown from here on, so every call fails, now and later, and the store must be reopened.
  const failed = (event: WorkerEventLike) => {
    event.preventDefault();
    end(new OciError("STORE", `${names.worker} failed: ${event.message || names.silent}`));
    worker.terminate();
  };
  worker.addEventListener("error", failed);
  worker.addEventListener("messageerror", failed);
  return {
    get ended() {
      return ended !== undefined;
    },
    call<T>(request: Request, transfer: ArrayBuffer[] = []) {
      if (ended) return Promise.reject<T>(ended);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ id, request }, transfer);
      });
    },
    close() {
      worker.terminate();
      end(new OciError("CLOSED", `the store ${names.store} is closed`));
    },
  };
}

/** The worker's end: answers each request from the page with `answer`, its error sent as data. */
export function serveWorkerRequests<Request>(
  scope: WorkerScopeLike,
  answer: (request: Request) => Promise<WorkerAnswer>,
): void {
  scope.onmessage = (event) => {
    const { id, request } = event.data as { id: number; request: Request };
    answer(request).then(
      ({ value, transfer }) => scope.postMessage({ id, ok: true, value } satisfies Reply, transfer ?? []),
      (error: unknown) => scope.postMessage({ id, ok: false, error: toErrorData(error) } satisfies Reply, []),
    );
  };
}
