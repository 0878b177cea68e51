// Mutual exclusion around index.json's read-modify-write, within a process AND across processes, so that two
// `toci pull` into one layout never lose a tag (koci had no file lock; its processes overwrote each other).
//
// Across processes: a lock file holding `pid time host token start boot` (start and boot identify the process beyond
// its pid where the platform says, internal/liveness.ts; an earlier toci wrote the first four, and reads only the
// first three). A lock whose process is gone (same host; a zombie or a process that reused the pid is gone too) or
// that is older than `staleAfter` is broken: renamed away to a unique name first, so that two processes breaking the
// same stale lock cannot both succeed, and restored with link() (which refuses to overwrite) if what was renamed
// turns out to be a live lock after all. A lock file that is a symbolic link or not a regular file (a FIFO would
// block every reader) is no lock toci wrote: refused with STORE, never read, never broken.
// Within a process: a promise chain per lock path, so that 50 parallel tag() calls queue instead of polling.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isOciError, OciError } from "@toci/spec-types";
import { errorCode, type FsPromises } from "./fs-api.js";
import { identity, ownIdentity, processLives } from "./internal/liveness.js";
import { readSmall } from "./internal/read-small.js";

/** A lock file holds one short line; 4 KiB is far more than any we write. */
const MAX_LOCK_FILE = 4096;

/** Options for {@link withLock}. */
export interface LockOptions {
  /** How long to wait for the lock before failing with `STORE`. */
  timeout: number;
  /** A lock held longer than this is considered abandoned (a process that hangs, or one on another host). */
  staleAfter: number;
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding the lock at `path`. */
export function withLock<T>(fs: FsPromises, path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(async () => {
    const release = await acquire(fs, path, options);
    try {
      return await fn();
    } finally {
      await release();
    }
  });
  const settled = run.catch(() => {});
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return run;
}

async function acquire(fs: FsPromises, path: string, options: LockOptions): Promise<() => Promise<void>> {
  const host = hostname();
  const { pid, start, boot } = ownIdentity();
  const token = `${pid} ${Date.now()} ${host} ${randomBytes(6).toString("hex")} ${start ?? "-"} ${boot ?? "-"}`;
  const deadline = Date.now() + options.timeout;
  let delay = 1;
  for (;;) {
    // The lock must appear with its content in one step: a lock file created empty and written afterwards is,
    // for a moment, a lock without an owner that another process judges stale and breaks (two holders, a lost
    // tag: seen in the two-process test under load). So the token goes to a private file first, and link(),
    // which refuses to overwrite, publishes it whole.
    const temp = `${path}.${process.pid}-${randomBytes(6).toString("hex")}`;
    try {
      const handle = await fs.open(temp, "wx");
      try {
        const bytes = new TextEncoder().encode(token);
        await handle.write(bytes, 0, bytes.length, 0);
      } finally {
        await handle.close();
      }
      await fs.link(temp, path);
      await fs.unlink(temp).catch(() => {});
      return async () => {
        // Only remove the lock if it is still ours (a stale-lock breaker may have taken it, wrongly or not).
        const content = await readText(fs, path).catch(() => undefined);
        if (content === token) await fs.unlink(path).catch(() => {});
      };
    } catch (error) {
      await fs.unlink(temp).catch(() => {});
      if (errorCode(error) !== "EEXIST") {
        throw new OciError("STORE", `cannot create the lock ${path}: ${String(error)}`, { cause: error });
      }
    }
    const held = await readText(fs, path);
    if (held !== undefined && isStale(held, host, options.staleAfter)) {
      await breakLock(fs, path, held);
      continue;
    }
    if (Date.now() > deadline) {
      throw new OciError("STORE", `timed out waiting for the lock ${path} (held by "${held}")`, {
        detail: { path, holder: held },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 50);
  }
}

function isStale(content: string, host: string, staleAfter: number): boolean {
  const [pid, timeText, lockHost, , start, boot] = content.split(" ");
  const time = Number(timeText);
  if (!Number.isFinite(time) || Date.now() - time > staleAfter) return true;
  const holder = identity(pid, start, boot);
  if (lockHost !== host || !holder) return false;
  return !processLives(holder, time);
}

async function breakLock(fs: FsPromises, path: string, judged: string): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    await fs.rename(path, aside);
  } catch {
    return; // someone else broke or released it first
  }
  const taken = await readText(fs, aside);
  if (taken !== judged) {
    // Between our read and our rename the stale lock was replaced by a live one: give it back, unless yet
    // another process already holds a new lock (then link fails and the live holder's release finds no lock).
    await fs.link(aside, path).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

/**
 * The lock's content; undefined when there is none. Throws STORE when the lock file is a link or not a regular file
 * (a FIFO would block the reader, a link to /dev/zero would never end).
 */
async function readText(fs: FsPromises, path: string): Promise<string | undefined> {
  try {
    // A lock is `pid time host token …`: anything longer is not a lock any toci wrote. It reads as a line without a
    // time, which isStale judges stale, so it is broken like an abandoned lock (and compared by the same text).
    const bytes = await readSmall(fs, path, MAX_LOCK_FILE);
    return bytes ? new TextDecoder().decode(bytes) : `(over ${MAX_LOCK_FILE} bytes)`;
  } catch (error) {
    if (isOciError(error)) throw error;
    return undefined;
  }
}
