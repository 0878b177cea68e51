// The handshakes of an upload session (distribution-spec "Pushing blobs"): start one (POST, or a cross-repository
// mount), ask where one stands (GET <location> → 204 + Range), resume one remembered from an interrupted attempt,
// cancel one (DELETE), and follow the Location every answer may move it to. The bytes themselves are upload.ts's.
import { isOciError, OciError } from "@toci/spec-types";
import { assertNotPrivateFromPublic } from "../address.js";
import { PULL, PUSH, repositoryScope } from "../auth/scope.js";
import { discard, redact } from "../http.js";
import type { Remote } from "../remote.js";
import { uploadSessions } from "../upload-sessions.js";
import { escapesApi } from "../url.js";

/** An upload session: where to send the next bytes, and how many the registry holds. */
export interface Session {
  location: string;
  offset: number;
  /** The registry's OCI-Chunk-Min-Length (0 when it sent none). */
  minChunk: number;
}

/** A session started: or, for a mount the registry completed (201), the digest it answered with. */
export type Started = { done: true; digest: string | null } | { done: false; session: Session };

/** How often a POST whose connection died is sent again (see {@link startSession}). */
const POST_ATTEMPTS = 3;

/** Starts a session, or mounts the blob from `mount.from` (`done` when the mount completed). */
export async function startSession(
  remote: Remote,
  mount: { digest: string; from: string } | undefined,
  signal: AbortSignal,
): Promise<Started> {
  const { http } = remote;
  const query = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : "";
  const scopes = remote.scopes(PULL, PUSH);
  if (mount) scopes.push(repositoryScope(mount.from, PULL));
  const url = http.url(`${remote.name}/blobs/uploads/${query}`);
  // A transport never re-sends a POST (not idempotent in general), but this one only opens a session: one
  // opened twice is abandoned and purged by the registry. So a POST whose connection died (a keep-alive
  // connection the registry closed as we reused it, seen with 8 processes pushing at once) is sent again.
  let response: Awaited<ReturnType<typeof http.send>>;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await http.send({ method: "POST", url, headers: { "content-length": "0" }, scopes, signal });
      break;
    } catch (error) {
      if (!isOciError(error) || error.code !== "NETWORK" || attempt >= POST_ATTEMPTS || signal.aborted) throw error;
      remote.logger.warn(`starting an upload failed (${error.message}); trying again`);
    }
  }
  await discard(response);
  if (mount && response.status === 201) return { done: true, digest: response.headers.get("docker-content-digest") };
  if (response.status !== 202) {
    if (mount && (response.status === 401 || response.status === 403)) {
      // Harbor answers 401 to a mount from a repository the user cannot read: upload instead.
      remote.logger.info("mount refused, uploading instead", { from: mount.from });
      return startSession(remote, undefined, signal);
    }
    throw await http.error(response, "POST", url, "BLOB_UPLOAD_INVALID");
  }
  const location = response.headers.get("location");
  if (!location) throw new OciError("PROTOCOL", "the registry started an upload without a Location");
  const min = Number(response.headers.get("oci-chunk-min-length") ?? 0);
  return {
    done: false,
    session: {
      location: resolveLocation(location, url, http.base),
      offset: 0,
      minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0,
    },
  };
}

/** A session remembered under `key` (this process or an earlier one), if the registry still knows it. */
export async function resumeSession(
  remote: Remote,
  key: string,
  size: number,
  signal: AbortSignal,
): Promise<Session | undefined> {
  const state = await uploadSessions(remote).get(key);
  if (!state) return undefined;
  try {
    const status = await uploadStatus(remote, { location: state.location, offset: state.offset, size }, signal);
    if (status) {
      remote.logger.info(`resuming an upload at byte ${status.offset}`, { location: redact(state.location) });
      return { location: status.location, offset: status.offset, minChunk: 0 };
    }
  } catch (error) {
    if (isOciError(error) && error.code === "ABORTED") throw error;
  }
  await uploadSessions(remote).delete(key);
  return undefined;
}

/**
 * Where an upload stands: `GET <location>` → 204 with Range. Undefined when the session is gone. `offset` is what
 * we know was acknowledged, `size` the blob's.
 */
export async function uploadStatus(
  remote: Remote,
  session: { location: string; offset: number; size: number },
  signal: AbortSignal,
): Promise<{ location: string; offset: number } | undefined> {
  // The session's requests need the push token: with no scope, a token registry answers 401, and a PUT whose
  // body is a stream cannot be replayed after the challenge.
  const scopes = remote.scopes(PULL, PUSH);
  const response = await remote.http.send({ method: "GET", url: session.location, scopes, signal });
  await discard(response);
  if (response.status !== 204 && response.status !== 200) return undefined;
  const end = rangeEnd(response.headers.get("range"));
  // distribution 2.8.2 says `Range: 0-0` both for 0 bytes and for 1 byte: with what we know was acknowledged,
  // 0-0 means 1 only if we had sent at least one byte.
  const offset = end === undefined ? 0 : end === 0 ? (session.offset >= 1 ? 1 : 0) : end + 1;
  if (offset > session.size) throw overclaim(offset, session.size);
  return { location: nextLocation(response, session.location, remote.http.base), offset };
}

/** Whether the repository holds the blob (HEAD on the blob endpoint, whatever the blob's media type). */
export async function blobExists(remote: Remote, digest: string, signal: AbortSignal): Promise<boolean> {
  const path = remote.path("blobs", digest);
  const response = await remote.http.send({ method: "HEAD", path, scopes: remote.scopes(PULL), signal });
  await discard(response);
  return response.status === 200;
}

/** Cancels a session (spec main: clients SHOULD, and ignore its failure). */
export async function cancelSession(remote: Remote, location: string): Promise<void> {
  try {
    const response = await remote.http.send({ method: "DELETE", url: location, scopes: remote.scopes(PULL, PUSH) });
    await discard(response);
  } catch {
    // Cancelling is a courtesy.
  }
}

/** A Range saying the registry holds more than it can: resuming from there would PUT a negative length. */
export function overclaim(held: number, most: number): OciError {
  return new OciError("PROTOCOL", `the registry says it holds ${held} bytes of an upload that has at most ${most}`, {
    detail: { held, most },
  });
}

/** The Location of a response (relative ones resolved against the request), else the one we had. */
export function nextLocation(response: { headers: Headers }, current: string, base: URL): string {
  const location = response.headers.get("location");
  return location ? resolveLocation(location, current, base) : current;
}

/**
 * Resolves an upload Location against the request URL (GHCR sends relative ones). Only http(s) is accepted, and an
 * https registry may not send us to http: credentials and content would leave TLS.
 */
export function resolveLocation(location: string, requestUrl: string, base: URL): string {
  let url: URL;
  try {
    url = new URL(location, requestUrl);
  } catch {
    throw new OciError("PROTOCOL", `invalid upload Location ${JSON.stringify(redact(location.slice(0, 200)))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OciError("PROTOCOL", `refusing an upload Location with scheme ${url.protocol}`);
  }
  if (base.protocol === "https:" && url.protocol === "http:") {
    throw new OciError("PROTOCOL", "refusing an upload Location that downgrades https to http");
  }
  assertNotPrivateFromPublic(base, url, "the upload Location");
  if (escapesApi(url, base)) {
    throw new OciError(
      "PROTOCOL",
      `refusing an upload Location outside the registry's API: ${url.pathname.slice(0, 200)}`,
    );
  }
  return url.href;
}

/** The inclusive end of `Range: 0-<end>` (or `bytes=0-<end>`), or undefined. */
export function rangeEnd(header: string | null): number | undefined {
  const m = header ? /^(?:bytes=)?0-(\d{1,16})$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : undefined;
}
