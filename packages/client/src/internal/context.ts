// What every Registry and Repository object of one registry shares: its HTTP (credentials, token cache), the
// client's store and logger, the resolved options, and the client's lifetime.
import { OciError, type Store } from "@toci/spec-types";
import type { Logger } from "../logger.js";
import type { ResolvedTransferOptions } from "../options.js";
import type { RegistryHttp } from "./http.js";
import type { UploadSessions } from "./push/upload-state.js";

export interface RegistryContext {
  http: RegistryHttp;
  store: Store;
  logger: Logger;
  options: ResolvedTransferOptions;
  /** The registry's name in references: `host[:port]`, `docker.io` for Docker Hub. */
  name: string;
  /** Aborted when the client closes. */
  closed: AbortSignal;
  /** The controllers of the operations running (see {@link openOperation}); the client aborts them when it closes. */
  operations: Set<AbortController>;
  /** Upload sessions remembered between attempts (shared by the client's registries). */
  uploads: UploadSessions;
}

/** Throws CLOSED when the client was closed. */
export function assertOpen(context: RegistryContext): void {
  if (context.closed.aborted) throw new OciError("CLOSED", "the client is closed");
}

/** One running operation: its signal, and `end()` to call when it is over (in a `finally`). */
export interface Operation {
  readonly signal: AbortSignal;
  end(): void;
}

/**
 * The signal of one operation: it fires when the caller's signal or the client's closing does. Not
 * `AbortSignal.any([signal, closed])`: Node (20.20 measured) keeps a WeakRef to every AbortSignal.any() follower in
 * its source until the source aborts, and the client's signal lives as long as the client — 68 B per operation,
 * never freed (the soak's heap diff: WeakRefs growing by ~4 per operation). The client aborts these controllers
 * instead, and an operation's controller is forgotten when it ends.
 */
export function openOperation(context: RegistryContext, signal: AbortSignal | undefined): Operation {
  const controller = new AbortController();
  if (context.closed.aborted) controller.abort(context.closed.reason);
  else context.operations.add(controller);
  return {
    signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal,
    end: () => {
      context.operations.delete(controller);
    },
  };
}
