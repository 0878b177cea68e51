// The RegistryHttp objects of one client, one per (API base, credentials, settings): two `client.registry(url)`
// calls with the same options share what the registry taught (its challenge, tokens, abilities), and a mirror named
// by several registries is one RegistryHttp too. A credential provider is a function: it is told apart by identity.
import type { Transport } from "@toci/spec-types";
import type { Auth } from "../auth.js";
import type { Logger } from "../logger.js";
import { Authenticator } from "./auth/authenticator.js";
import { RegistryHttp } from "./http.js";

/** What one RegistryHttp is made of. */
export interface HttpSettings {
  /** The API base (`https://ghcr.io/`). */
  base: URL;
  auth: Auth;
  /** What a credential provider is asked with: `host[:port]` (`docker.io` for Docker Hub). */
  host: string;
  allowInsecureCredentials: boolean;
  /** Extra headers on every request to this registry. */
  headers: Record<string, string>;
}

export class HttpPool {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #pool = new Map<string, RegistryHttp>();
  readonly #providers = new WeakMap<object, number>();
  #providerCount = 0;

  constructor(transport: Transport, logger: Logger) {
    this.#transport = transport;
    this.#logger = logger;
  }

  /** The RegistryHttp for these settings, made on first use. */
  get(settings: HttpSettings): RegistryHttp {
    const key = [
      settings.base.href,
      this.#authKey(settings.auth),
      settings.host,
      settings.allowInsecureCredentials,
      JSON.stringify(settings.headers),
    ].join("\n");
    let http = this.#pool.get(key);
    if (!http) {
      const authenticator = new Authenticator({
        auth: settings.auth,
        transport: this.#transport,
        origin: settings.base.origin,
        host: settings.host,
        allowInsecureCredentials: settings.allowInsecureCredentials,
        logger: this.#logger,
      });
      http = new RegistryHttp({
        base: settings.base,
        transport: this.#transport,
        authenticator,
        logger: this.#logger,
        headers: settings.headers,
      });
      this.#pool.set(key, http);
    }
    return http;
  }

  /** Credentials as a key: their JSON, or a provider's identity. */
  #authKey(auth: Auth): string {
    if (typeof auth !== "function") return JSON.stringify(auth);
    let id = this.#providers.get(auth);
    if (id === undefined) {
      id = ++this.#providerCount;
      this.#providers.set(auth, id);
    }
    return `provider#${id}`;
  }
}
