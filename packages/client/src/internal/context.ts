// What every Registry and Repository object of one registry shares: its HTTP (credentials, token cache, what it
// learnt the registry can do), the client's store and logger, the resolved options, and the client's lifetime.
import type { Store } from "@toci/spec-types";
import type { Logger } from "../logger.js";
import type { ResolvedTransferOptions } from "../options.js";
import type { RegistryHttp } from "./http.js";
import type { Lifecycle } from "./lifecycle.js";
import type { UploadSessions } from "./upload-sessions.js";

export interface RegistryContext {
  http: RegistryHttp;
  store: Store;
  logger: Logger;
  options: ResolvedTransferOptions;
  /** The registry's name in references: `host[:port]`, `docker.io` for Docker Hub. */
  name: string;
  /** The HTTP of the registry's mirrors, in the order pulls try them (none: `[]`). */
  mirrors: readonly RegistryHttp[];
  /** The client's lifetime: operations opened here end when it closes. */
  lifecycle: Lifecycle;
  /**
   * Upload sessions remembered between attempts (shared by the client's registries). The full client's only: the
   * pull entry's registries never push, and its bundle leaves this out.
   */
  uploads?: UploadSessions;
}
