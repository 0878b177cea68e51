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
  /** Upload sessions remembered between attempts (shared by the client's registries). */
  uploads: UploadSessions;
}

/** Throws CLOSED when the client was closed. */
export function assertOpen(context: RegistryContext): void {
  if (context.closed.aborted) throw new OciError("CLOSED", "the client is closed");
}

/** A signal that fires when either the caller's signal or the client's closing does. */
export function linkSignals(context: RegistryContext, signal: AbortSignal | undefined): AbortSignal {
  return signal ? AbortSignal.any([signal, context.closed]) : context.closed;
}
