// The RegistryHttp objects of one client, one per (API base, credentials, settings): two `client.registry(url)`
// calls with the same options share what the registry taught (its challenge, tokens, abilities), and a mirror named
// by several registries is one RegistryHttp too. A credential provider is a function: it is told apart by identity.
import type { Transport } from "@toci/spec-types";
import type { Auth } from "../auth.js";
import type { Logger } from "../logger.js";
import type { Abilities } from "./abilities.js";
import { Authenticator } from "./auth/authenticator.js";
import { RegistryHttp } from "./http.js";
import { type LowSpeed, lowSpeedTransport } from "./low-speed.js";

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
  /** The minimum throughput of response bodies (`lowSpeedLimit`, `lowSpeedTime`). */
  lowSpeed: LowSpeed;
}

/** What every RegistryHttp of a client shares. */
export interface HttpPoolOptions {
  transport: Transport;
  logger: Logger;
  /** What is learnt about the registry at an API base (kept in the store when it can keep it). */
  abilities: (base: string) => Abilities;
}

export class HttpPool {
  readonly #options: HttpPoolOptions;
  readonly #pool = new Map<string, RegistryHttp>();
  readonly #providers = new WeakMap<object, number>();
  #providerCount = 0;

  constructor(options: HttpPoolOptions) {
    this.#options = options;
  }

  /** The RegistryHttp for these settings, made on first use. */
  get(settings: HttpSettings): RegistryHttp {
    const key = [
      settings.base.href,
      this.#authKey(settings.auth),
      settings.host,
      settings.allowInsecureCredentials,
      JSON.stringify(settings.headers),
      JSON.stringify(settings.lowSpeed),
    ].join("\n");
    let http = this.#pool.get(key);
    if (!http) {
      const { logger } = this.#options;
      const transport = lowSpeedTransport(this.#options.transport, settings.lowSpeed);
      const authenticator = new Authenticator({
        auth: settings.auth,
        transport,
        origin: settings.base.origin,
        host: settings.host,
        allowInsecureCredentials: settings.allowInsecureCredentials,
        logger,
      });
      http = new RegistryHttp({
        base: settings.base,
        transport,
        authenticator,
        logger,
        headers: settings.headers,
        abilities: this.#options.abilities(settings.base.href),
      });
      this.#pool.set(key, http);
    }
    return http;
  }

  /** Once what every registry (and mirror) taught is written to the store (each write reports its own failure). */
  async settled(): Promise<void> {
    await Promise.all([...this.#pool.values()].map((http) => http.abilities.settled()));
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
