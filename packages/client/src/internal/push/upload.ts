// One blob to a registry (distribution-spec "Pushing blobs"), as well as the best peer does it and then some:
//   1. HEAD: what exists is skipped.
//   2. A session remembered from an interrupted attempt (this process or an earlier one) is asked where it stands
//      and continued from the registry's offset.
//   3. Otherwise mount from a repository known to hold the blob (201 ends it; 202 is a session to upload on), or
//      POST a new session, honouring OCI-Chunk-Min-Length (bounded).
//   4. Up to `monolithicMax` bytes from offset 0: one PUT. Above: PATCH chunks with `Content-Range`, the newest
//      Location every time (2.8.2's `_state` goes stale), the state saved after each, 413 (or GHCR's 416 "too large")
//      shrinking the chunk, a plain 416 or a cut connection resynchronising from the upload status. Then the PUT.
//   5. The registry's Docker-Content-Digest must be the expected digest.
// A session that failed for good (the registry refused the content) is cancelled with DELETE (spec main), its
// failure ignored; an interrupted one (network, abort) is kept so that the same push resumes it.
import { type Descriptor, OciError, type TransportResponse, toOciError } from "@toci/spec-types";
import { PULL, PUSH } from "../auth/scope.js";
import { discard } from "../http.js";
import type { Remote } from "../remote.js";
import { graceful } from "../signals.js";
import type { BlobReport } from "../transfer.js";
import { uploadSessions } from "../upload-sessions.js";
import { Bodies, MAX_BUFFERED } from "./bodies.js";
import {
  blobExists,
  cancelSession,
  nextLocation,
  overclaim,
  rangeEnd,
  resumeSession,
  type Session,
  startSession,
  uploadStatus,
} from "./session.js";
import { isContentError, sessionBroken } from "./session-loss.js";
import type { BlobSource } from "./source.js";

/** The smallest chunk a 413 may shrink to: below this, per-request overhead dominates and nothing fits anyway. */
const MIN_CHUNK = 256 * 1024;
/** The largest OCI-Chunk-Min-Length honoured: a hostile value must not make us buffer without bound (regclient: 1 GiB). */
const MAX_CHUNK_MIN = MAX_BUFFERED;
/** How long an aborted upload waits for the chunk in flight to be acknowledged before cutting it. */
const PATCH_GRACE_MS = 3000;
/** The chunk of a one-shot stream, which is buffered to be re-sendable: small enough not to weigh on memory. */
const ONE_SHOT_CHUNK = 16 * 1024 * 1024;
/** Resynchronisations (416, cut connection, 5xx) allowed per upload before giving up for this attempt. */
const MAX_RESYNCS = 8;
/** Fresh sessions tried after the registry lost one (see {@link uploadBlob}). */
const SESSION_ATTEMPTS = 4;
/** Fresh sessions tried after a DIGEST_INVALID (see {@link sessionBroken}): one, the race is not repeated at will. */
const BROKEN_ATTEMPTS = 1;

export interface UploadTuning {
  /** Blobs up to this size go in one PUT. */
  monolithicMax: number;
  /** The PATCH size for larger blobs, before any registry minimum or 413 adjusts it. */
  chunkSize: number;
  /** Repositories on this registry that may hold the blob, to mount from. */
  mountFrom: readonly string[];
}

/** One blob to upload. */
export interface BlobUpload {
  source: BlobSource;
  expected: Descriptor;
  tuning: UploadTuning;
  report: BlobReport;
}

/** Result of an upload: what happened, for logs and tests. */
export type UploadResult = "exists" | "mounted" | "uploaded";

/**
 * Uploads one blob. A session the registry forgot or cancelled (BLOB_UPLOAD_UNKNOWN / BLOB_UPLOAD_INVALID) is
 * not the end: another process may have finished the same blob (HEAD says so), or shared the session through the
 * store's upload state and broken it (distribution 2.8.2 cancels a session whose `_state` offset no longer
 * matches, e.g. after a process was killed mid-PATCH or two processes resumed it at once). Then a fresh session
 * is started, a few times, when the source can be read again. A DIGEST_INVALID from the registry is such a loss
 * too (see {@link sessionBroken}).
 */
export async function uploadBlob(remote: Remote, job: BlobUpload, signal: AbortSignal): Promise<UploadResult> {
  let broken = 0;
  for (let attempt = 1; ; attempt++) {
    // Only the first attempt resumes a remembered session: after a loss, the remembered one may be another
    // process's session in use right now (two PATCHes at once on one session make 2.8.2 answer 500, then forget it).
    const upload = new Upload(remote, job, signal);
    try {
      return await upload.run(attempt === 1);
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      const lost =
        e.code === "BLOB_UPLOAD_UNKNOWN" ||
        e.code === "BLOB_UPLOAD_INVALID" ||
        sessionBroken(e) ||
        // A remembered session the registry refused for good (not a flaky link, a 429 or a 5xx: those keep it, and
        // the next push resumes it) is not worth insisting on: start a fresh one.
        (upload.resumed && !e.temporary && e.code !== "ABORTED" && !isContentError(e));
      if (!lost || signal.aborted) throw e;
      // A registry that refuses the digest twice may mean it: no third upload of the same bytes.
      if (attempt >= SESSION_ATTEMPTS || !job.source.seekable || (sessionBroken(e) && ++broken > BROKEN_ATTEMPTS)) {
        // No new session: but another process may have finished the blob meanwhile.
        if (!(await blobExists(remote, job.expected.digest, signal))) throw e;
        job.report.at(job.expected.size);
        return "exists";
      }
      // The next attempt asks first whether the blob exists (HEAD), then starts a fresh session.
      remote.logger.warn(`the registry lost the upload session (${e.code}); starting a new one`, {
        digest: job.expected.digest,
      });
    }
  }
}

/** One session's upload of a blob: its state in fields, one request per step. */
class Upload {
  /** Whether the session is one remembered from an interrupted attempt. */
  resumed = false;
  readonly #remote: Remote;
  readonly #job: BlobUpload;
  readonly #signal: AbortSignal;
  readonly #key: string;
  readonly #bodies: Bodies;
  #session: Session = { location: "", offset: 0, minChunk: 0 };
  #chunk = 0;
  #resyncs = 0;
  /** State saves in flight (never rejecting): a store's fsync may wait on a disk busy with the registry's writes. */
  #saved: Promise<void> = Promise.resolve();
  /** The signal of PATCHes: stopping mid-PATCH costs the whole session on 2.8.2, so an abort lets one finish. */
  #chunkSignal: AbortSignal;

  constructor(remote: Remote, job: BlobUpload, signal: AbortSignal) {
    this.#remote = remote;
    this.#job = job;
    this.#signal = signal;
    this.#chunkSignal = signal;
    this.#key = `${remote.http.base.href}|${remote.name}|${job.expected.digest}`;
    this.#bodies = new Bodies(job.source, job.report);
  }

  async run(resume: boolean): Promise<UploadResult> {
    const { expected, report } = this.#job;
    if (await blobExists(this.#remote, expected.digest, this.#signal)) {
      // An interrupted attempt may have committed it after all (its last chunk let finish, or another writer):
      // a session remembered for it is done with.
      await uploadSessions(this.#remote).delete(this.#key);
      report.at(expected.size);
      return "exists";
    }
    if (await this.#open(resume)) {
      report.at(expected.size);
      return "mounted";
    }
    this.#tune();
    // Stopping in the middle of a PATCH costs the whole session on distribution 2.8.2 (its `_state` no longer
    // matches: 404 on the rerun), so an abort lets the chunk in flight finish, for at most PATCH_GRACE_MS.
    const chunkSignal = graceful(this.#signal, PATCH_GRACE_MS);
    this.#chunkSignal = chunkSignal.signal;
    try {
      await this.#send();
    } catch (error) {
      throw await this.#stopped(error);
    } finally {
      chunkSignal.release();
    }
    await this.#saved.then(() => uploadSessions(this.#remote).delete(this.#key));
    report.at(expected.size);
    return "uploaded";
  }

  /** Remembers where the session stands, after the saves before it, without holding up the next chunk. */
  #remember(location: string, offset: number): void {
    this.#saved = this.#saved.then(() => uploadSessions(this.#remote).set(this.#key, location, offset));
  }

  /** A session: a remembered one, a mount (true when the mount completed), or a new one. */
  async #open(resume: boolean): Promise<boolean> {
    const remote = this.#remote;
    const { expected, tuning } = this.#job;
    const remembered = resume ? await resumeSession(remote, this.#key, expected.size, this.#signal) : undefined;
    this.resumed = remembered !== undefined;
    if (remembered) {
      this.#session = remembered;
      return false;
    }
    const from = tuning.mountFrom.find((name) => name !== remote.name);
    const started = await startSession(remote, from ? { digest: expected.digest, from } : undefined, this.#signal);
    if (started.done) {
      if (!from) throw new OciError("PROTOCOL", "the registry completed an upload it was not sent");
      checkDigest(started.digest, expected);
      return true;
    }
    this.#session = started.session;
    return false;
  }

  /** The chunk size: the caller's, within what the source can buffer, the registry's minimum and its request cap. */
  #tune(): void {
    const { source, tuning } = this.#job;
    let chunk = source.seekable ? tuning.chunkSize : Math.min(tuning.chunkSize, ONE_SHOT_CHUNK);
    chunk = Math.max(chunk, Math.min(this.#session.minChunk, MAX_CHUNK_MIN));
    const cap = this.#remote.http.abilities.maxRequestBytes;
    this.#chunk = cap ? Math.min(chunk, cap) : chunk;
  }

  /** Sends the bytes the registry lacks, then the closing PUT; a cut connection resynchronises and goes on. */
  async #send(): Promise<void> {
    for (;;) {
      try {
        if (await this.#step()) return;
      } catch (error) {
        const e = toOciError(error, "NETWORK");
        if (e.code !== "NETWORK" && e.code !== "TIMEOUT") throw e;
        await this.#resync(e);
      }
    }
  }

  /** One request: the whole rest in the closing PUT, or a PATCH. True once the blob is complete. */
  async #step(): Promise<boolean> {
    const { offset } = this.#session;
    const remaining = this.#job.expected.size - offset;
    if (remaining === 0 || this.#monolithic(offset, remaining)) {
      await this.#put(offset);
      return true;
    }
    const length = Math.min(this.#chunk, remaining);
    const response = await this.#request({
      method: "PATCH",
      url: this.#session.location,
      headers: {
        "content-type": "application/octet-stream",
        "content-range": `${offset}-${offset + length - 1}`,
        "content-length": String(length),
      },
      body: await this.#bodies.make(offset, offset + length),
      signal: this.#chunkSignal,
    });
    if (response.status === 202) return this.#acknowledged(response, offset + length);
    await this.#refused(response, offset);
    return false;
  }

  /** Whether the rest goes in one request from offset 0. */
  #monolithic(offset: number, remaining: number): boolean {
    const { monolithicMax } = this.#job.tuning;
    const { abilities } = this.#remote.http;
    return (
      offset === 0 &&
      // A one-shot stream is buffered to be re-sendable: in one request only up to a chunk's worth of it.
      ((remaining <= monolithicMax && (this.#job.source.seekable || remaining <= ONE_SHOT_CHUNK)) ||
        abilities.chunkedBroken) &&
      (abilities.maxRequestBytes === undefined || remaining <= abilities.maxRequestBytes)
    );
  }

  /** A PATCH accepted: the session moves on to what the registry says it holds. True once the blob is complete. */
  async #acknowledged(response: TransportResponse, sent: number): Promise<boolean> {
    const session = this.#session;
    await discard(response);
    session.location = nextLocation(response, session.location, this.#remote.http.base);
    const end = rangeEnd(response.headers.get("range"));
    const held = end === undefined ? sent : end + 1;
    // The registry holds at most what it was sent. Fewer bytes (a registry that keeps answering `0-0`) would have
    // this loop send the same chunk forever, so each short answer counts as a resynchronisation.
    if (held > sent) throw overclaim(held, sent);
    if (held < sent && ++this.#resyncs > MAX_RESYNCS) {
      throw new OciError("PROTOCOL", `the registry keeps acknowledging fewer bytes than it was sent (${held})`);
    }
    session.offset = held;
    this.#remember(session.location, held);
    this.#job.report.at(held);
    if (this.#signal.aborted) throw new OciError("ABORTED", "the upload was aborted");
    if (held < this.#job.expected.size) return false;
    await this.#put(held);
    return true;
  }

  /** A PATCH refused: smaller chunks, a resync, or monolithic uploads from now on; else the registry's error. */
  async #refused(response: TransportResponse, offset: number): Promise<void> {
    const { abilities } = this.#remote.http;
    const error = await this.#remote.http.error(response, "PATCH", this.#session.location, "BLOB_UPLOAD_UNKNOWN");
    if (response.status === 413 || (response.status === 416 && /too large|exceeds/i.test(error.message))) {
      // A request size cap (GHCR: 4 MiB, sometimes said with a 416): smaller chunks, remembered per registry.
      if (this.#chunk <= MIN_CHUNK) throw error;
      this.#chunk = Math.max(MIN_CHUNK, Math.floor(this.#chunk / 2));
      abilities.learnRequestCap(this.#chunk);
      return this.#resync(error);
    }
    if (response.status === 416 || error.temporary) return this.#resync(error);
    // PATCH not supported here (distribution-spec lets a registry offer monolithic uploads only): monolithic from
    // now on, for this registry.
    if ((response.status === 405 || response.status === 501) && offset === 0) return abilities.learnChunkedBroken();
    throw error;
  }

  /** After a 416 or a cut connection: asks the registry where the upload stands and continues from there. */
  async #resync(why: OciError): Promise<void> {
    const { expected } = this.#job;
    if (++this.#resyncs > MAX_RESYNCS || this.#signal.aborted) throw why;
    this.#remote.logger.warn(`upload interrupted (${why.code}); asking the registry where it stands`, {
      digest: expected.digest,
    });
    const status = await uploadStatus(this.#remote, { ...this.#session, size: expected.size }, this.#signal);
    if (!status) {
      // The registry no longer knows the session (2.8.2 cancels one whose offset went astray): a lost session,
      // which uploadBlob answers with a fresh one, not the error that led here.
      throw new OciError("BLOB_UPLOAD_UNKNOWN", `the registry dropped the upload session after: ${why.message}`, {
        cause: why,
      });
    }
    this.#session.location = status.location;
    this.#session.offset = status.offset;
    this.#remember(status.location, status.offset);
  }

  /** The closing PUT, carrying the bytes from `offset` (all of them for a monolithic upload, none after chunks). */
  async #put(offset: number): Promise<void> {
    const { expected } = this.#job;
    const { location } = this.#session;
    const length = expected.size - offset;
    const url = `${location}${location.includes("?") ? "&" : "?"}digest=${encodeURIComponent(expected.digest)}`;
    // An empty blob sends no bytes to hold back: its source is checked before the PUT (one-shot.ts).
    if (expected.size === 0) await drain(await this.#job.source.range(0, 0));
    const response = await this.#request({
      method: "PUT",
      url,
      headers: { "content-type": "application/octet-stream", "content-length": String(length) },
      body: length > 0 ? await this.#bodies.make(offset, expected.size) : null,
      signal: this.#signal,
    });
    if (response.status !== 201) throw await this.#remote.http.error(response, "PUT", url, "BLOB_UPLOAD_INVALID");
    await discard(response);
    checkDigest(response.headers.get("docker-content-digest"), expected);
  }

  /**
   * A request of the session carrying the source's bytes. When it fails because the source did (its bytes did not
   * verify, the store could not read them), that is the error, not the network error a transport made of it.
   */
  async #request(request: {
    method: "PATCH" | "PUT";
    url: string;
    headers: Record<string, string>;
    body: ReadableStream<Uint8Array> | Uint8Array | null;
    signal: AbortSignal;
  }): Promise<TransportResponse> {
    const scopes = this.#remote.scopes(PULL, PUSH);
    try {
      return await this.#remote.http.send({ ...request, scopes });
    } catch (error) {
      throw this.#job.source.failure ?? error;
    }
  }

  /** The error an upload stops with: an interrupted session is kept to resume, one refused for good cancelled. */
  async #stopped(error: unknown): Promise<OciError> {
    const e = this.#signal.aborted
      ? new OciError("ABORTED", "the upload was aborted", { cause: error })
      : toOciError(error, "NETWORK");
    const { location, offset } = this.#session;
    await this.#saved;
    if (e.code === "ABORTED" || e.temporary) {
      await uploadSessions(this.#remote).set(this.#key, location, offset);
    } else {
      await cancelSession(this.#remote, location);
      await uploadSessions(this.#remote).delete(this.#key);
    }
    return e;
  }
}

/** Reads a stream to its end. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  while (!(await reader.read()).done);
}

/**
 * The registry's Docker-Content-Digest against the expected one. Only digests of one algorithm compare: distribution
 * keeps every blob under its canonical sha256 and answers with it for a sha512 upload too (linking the sha512 name),
 * and every byte sent was verified against the expected digest on its way out already.
 */
function checkDigest(digest: string | null, expected: Descriptor): void {
  const sameAlgorithm = digest?.split(":")[0] === expected.digest.split(":")[0];
  if (digest && sameAlgorithm && digest !== expected.digest) {
    throw new OciError("DIGEST_MISMATCH", `the registry stored ${digest}, expected ${expected.digest}`, {
      detail: { expected: expected.digest, actual: digest },
    });
  }
}
