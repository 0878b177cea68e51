// What a registry has shown it can and cannot do, learnt once and reused for the client's life instead of probed on
// every call (peer clients probe the referrers API, chunked uploads and request caps again for each operation).
// Everything the client learns is written here, through one method per lesson.

export class Abilities {
  #referrersApi: boolean | undefined;
  #maxRequestBytes: number | undefined;
  #chunkedBroken = false;
  #multiTag: boolean | undefined;

  /** Whether `GET /v2/<name>/referrers/<digest>` exists; undefined until a call showed it. */
  get referrersApi(): boolean | undefined {
    return this.#referrersApi;
  }

  /** The referrers API answered (an index) or was missing (a 404 that is not a JSON error). */
  learnReferrersApi(present: boolean): void {
    this.#referrersApi = present;
  }

  /** The largest request body accepted, learnt from a 413 (GHCR: 4 MiB); undefined when no cap was seen. */
  get maxRequestBytes(): number | undefined {
    return this.#maxRequestBytes;
  }

  /** A request of more than `bytes` was refused as too large. */
  learnRequestCap(bytes: number): void {
    this.#maxRequestBytes = bytes;
  }

  /** Whether chunked PATCH uploads failed here (405/501), so uploads go monolithic. */
  get chunkedBroken(): boolean {
    return this.#chunkedBroken;
  }

  /** A PATCH was refused as unsupported. */
  learnChunkedBroken(): void {
    this.#chunkedBroken = true;
  }

  /** Whether `?tag=` on a manifest PUT is honoured (OCI-Tag in the answer); undefined until tried. */
  get multiTag(): boolean | undefined {
    return this.#multiTag;
  }

  /** A PUT with `?tag=` confirmed every tag (true) or not (false). */
  learnMultiTag(honoured: boolean): void {
    this.#multiTag = honoured;
  }
}
