// Where a pull reads from: the registry's mirrors in order, then the registry itself (`RegistryOptions.mirrors`).
// Each read (the reference, a manifest, a blob) goes to the first source that serves it: a mirror that lacks it (a
// not-found answer) passes it on; a mirror that fails otherwise (an error, a refusal, bytes that do not match their
// digest) passes it on and is not asked again during this pull, so a dead mirror costs one failure, not one per
// blob. The registry's own failure is the pull's. Nothing read from a mirror is trusted more than the registry's:
// manifests are checked against their digest as they are read and blobs by the store when they are committed, so a
// mirror serving wrong bytes is caught and the registry asked instead. (containerd's hosts.toml and docker's
// registry-mirrors work the same way, per request.)
import { type Descriptor, isOciError, type OciError, type PlatformMatcher, toOciError } from "@toci/spec-types";
import type { Remote } from "../remote.js";
import type { BlobReport } from "../transfer.js";
import { downloadBlob } from "./download.js";

/** What a mirror answers when it lacks something: pass the read on, keep the mirror. */
const NOT_FOUND = new Set(["NOT_FOUND", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN"]);
/** Failures that are not the source's: passing the read on would not help. */
const OURS = new Set(["ABORTED", "CLOSED", "STORE"]);

export class PullSources {
  readonly #upstream: Remote;
  /** Mirrors not (yet) given up on during this pull. */
  readonly #mirrors: Remote[];

  constructor(upstream: Remote) {
    this.#upstream = upstream;
    this.#mirrors = [...upstream.mirrors];
  }

  /**
   * A reference to its descriptor (narrowed to the platform), from the first source that resolves it; `by` as in
   * Remote.resolve.
   */
  resolve(
    reference: string,
    platform: PlatformMatcher | undefined,
    signal: AbortSignal,
    by: "head" | "get" = "head",
  ): Promise<Descriptor> {
    return this.#first(`resolve ${reference}`, signal, (remote) => remote.resolve(reference, platform, signal, by));
  }

  /** A descriptor narrowed to the platform. */
  narrow(descriptor: Descriptor, platform: PlatformMatcher, signal: AbortSignal): Promise<Descriptor> {
    return this.#first(`narrow ${descriptor.digest}`, signal, (remote) => remote.narrow(descriptor, platform, signal));
  }

  /** A manifest's bytes, verified against the descriptor. */
  manifest(descriptor: Descriptor, signal: AbortSignal): Promise<Uint8Array> {
    return this.#first(`manifest ${descriptor.digest}`, signal, (remote) => remote.manifest(descriptor, signal));
  }

  /**
   * One blob into the store. A mirror gets one attempt (the transport's retries aside); after a mirror that failed
   * the next source starts from zero, since bytes a mirror wrote may be wrong (they are verified only at the end).
   * The registry resumes as usual.
   */
  download(blob: Descriptor, report: BlobReport, signal: AbortSignal): Promise<void> {
    let fresh = false;
    return this.#first(`blob ${blob.digest}`, signal, async (remote, mirror) => {
      try {
        await downloadBlob(remote, blob, report, { signal, fresh, ...(mirror ? { attempts: 1 } : {}) });
      } catch (error) {
        if (mirror && !(isOciError(error) && NOT_FOUND.has(error.code))) fresh = true;
        throw error;
      }
    });
  }

  /** Runs `read` on each source in turn until one succeeds; the registry's failure is final. */
  async #first<T>(
    what: string,
    signal: AbortSignal,
    read: (remote: Remote, mirror: boolean) => Promise<T>,
  ): Promise<T> {
    for (const mirror of [...this.#mirrors]) {
      if (!this.#mirrors.includes(mirror)) continue; // given up on by a concurrent read
      try {
        return await read(mirror, true);
      } catch (error) {
        const e = toOciError(error, "NETWORK");
        if (signal.aborted || OURS.has(e.code)) throw e;
        this.#passOn(mirror, what, e);
      }
    }
    return read(this.#upstream, false);
  }

  #passOn(mirror: Remote, what: string, error: OciError): void {
    const { code } = error;
    const where = mirror.http.base.origin;
    if (NOT_FOUND.has(code)) {
      this.#upstream.logger.debug(`mirror ${where} lacks ${what}; trying the next source`, { code });
      return;
    }
    const index = this.#mirrors.indexOf(mirror);
    if (index === -1) return; // a concurrent read gave up on it first, and said so
    this.#mirrors.splice(index, 1);
    this.#upstream.logger.warn(`mirror ${where} failed (${code}) on ${what}; not asked again during this pull`, {
      error,
    });
  }
}
