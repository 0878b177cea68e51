// What a registry has shown it can and cannot do, learnt once and reused instead of probed on every call (peer
// clients probe the referrers API, chunked uploads and request caps again for each operation). Everything the client
// learns is written here, through one method per lesson. Where the store keeps such lessons (an AbilityKeeper: the
// fs layout does), they outlive the process for `abilitiesMaxAge`, so each run of a command does not probe again.
import type { AbilityKeeper, KeptAbilities } from "@toci/spec-types";
import type { Logger } from "../logger.js";

/** Where and for how long the lessons are kept beyond the process. */
export interface AbilitiesKeeping {
  keeper: AbilityKeeper;
  /** The registry's key: its API base URL. */
  registry: string;
  /** How long a kept lesson is believed, in ms. */
  maxAge: number;
  logger: Logger;
}

export class Abilities {
  #referrersApi: boolean | undefined;
  #maxRequestBytes: number | undefined;
  #chunkedBroken = false;
  #multiTag: boolean | undefined;
  /** The lessons with when they were learnt, as kept. */
  #lessons: KeptAbilities = {};
  readonly #keeping: AbilitiesKeeping | undefined;
  #saving: Promise<void> = Promise.resolve();
  /** Resolves once the kept lessons are read (at once without a keeper); every operation waits for it. */
  readonly ready: Promise<void>;

  constructor(keeping?: AbilitiesKeeping) {
    this.#keeping = keeping;
    this.ready = keeping ? this.#load(keeping) : Promise.resolve();
  }

  /** Whether `GET /v2/<name>/referrers/<digest>` exists; undefined until a call showed it. */
  get referrersApi(): boolean | undefined {
    return this.#referrersApi;
  }

  /** The referrers API answered (an index) or was missing (a 404 naming no repository or subject). */
  learnReferrersApi(present: boolean): void {
    this.#referrersApi = present;
    this.#note("referrersApi", present);
  }

  /** The largest request body accepted, learnt from a 413 (GHCR: 4 MiB); undefined when no cap was seen. */
  get maxRequestBytes(): number | undefined {
    return this.#maxRequestBytes;
  }

  /** A request of more than `bytes` was refused as too large. */
  learnRequestCap(bytes: number): void {
    this.#maxRequestBytes = bytes;
    this.#note("maxRequestBytes", bytes);
  }

  /** Whether chunked PATCH uploads failed here (405/501), so uploads go monolithic. */
  get chunkedBroken(): boolean {
    return this.#chunkedBroken;
  }

  /** A PATCH was refused as unsupported. */
  learnChunkedBroken(): void {
    this.#chunkedBroken = true;
    this.#note("chunkedBroken", true);
  }

  /** Whether `?tag=` on a manifest PUT is honoured (OCI-Tag in the answer); undefined until tried. */
  get multiTag(): boolean | undefined {
    return this.#multiTag;
  }

  /** A PUT with `?tag=` confirmed every tag (true) or not (false). */
  learnMultiTag(honoured: boolean): void {
    this.#multiTag = honoured;
    this.#note("multiTag", honoured);
  }

  /** Resolves once every lesson is written to the keeper (the client waits for it before closing the store). */
  settled(): Promise<void> {
    return this.#saving;
  }

  /** Reads the kept lessons that are young enough; a keeper that fails reads as none (the registry is probed). */
  async #load(keeping: AbilitiesKeeping): Promise<void> {
    const kept = await keeping.keeper.getAbilities(keeping.registry).catch((error: unknown) => {
      keeping.logger.debug("cannot read what was learnt about the registry", { error });
      return undefined;
    });
    const now = Date.now();
    for (const [name, { value, at }] of Object.entries(kept ?? {})) {
      // A lesson from the future (a clock set back, a planted file) is no younger than its age allows.
      if (at > now || now - at >= keeping.maxAge) continue;
      if (this.#apply(name, value)) this.#lessons[name] = { value, at };
    }
  }

  /** Takes a kept lesson in when it is one of ours with a value that can be; false otherwise. */
  #apply(name: string, value: boolean | number): boolean {
    if (name === "referrersApi" && typeof value === "boolean") this.#referrersApi = value;
    else if (name === "chunkedBroken" && value === true) this.#chunkedBroken = true;
    else if (name === "multiTag" && typeof value === "boolean") this.#multiTag = value;
    else if (name === "maxRequestBytes" && Number.isSafeInteger(value) && (value as number) > 0) {
      this.#maxRequestBytes = value as number;
    } else return false;
    return true;
  }

  /** Records a lesson with its time, and writes them all to the keeper, one write after another. */
  #note(name: string, value: boolean | number): void {
    const keeping = this.#keeping;
    if (!keeping) return;
    this.#lessons[name] = { value, at: Date.now() };
    const lessons = { ...this.#lessons };
    this.#saving = this.#saving.then(() =>
      keeping.keeper.setAbilities(keeping.registry, lessons).catch((error: unknown) => {
        keeping.logger.debug("cannot keep what was learnt about the registry", { error });
      }),
    );
  }
}
