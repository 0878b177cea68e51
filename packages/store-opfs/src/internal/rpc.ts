// The page ↔ worker protocol: the requests and replies over spec-types' worker channel (one request, one reply;
// buffers transferred; errors as data), and the same requests served in this very thread.
import { type WorkerChannel as Channel, type Descriptor, OciError } from "@toci/spec-types";

/** What the page asks the worker. `writer` is an id the worker gave on `open`. */
export type WorkerRequest =
  | { op: "ping" }
  | {
      op: "open";
      store: string;
      descriptor: Pick<Descriptor, "digest" | "size">;
      resume: boolean;
      /** The store's `wholeDigestMax`. */
      wholeDigestMax: number;
    }
  | { op: "write"; writer: number; buffer: ArrayBuffer; length: number }
  | { op: "commit" | "close" | "abort"; writer: number };

/** The page's end of the channel to its worker. */
export type WorkerChannel = Channel<WorkerRequest>;

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
    get ended() {
      return ended !== undefined;
    },
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
