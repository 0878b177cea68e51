// Leases: the blobs a live process is working with, so that gc() in another process leaves them alone.
//
// A pull writes (or finds) its blobs first and names its root last (children before parents, so that a named root
// always has everything under it). Until then nothing in index.json reaches those blobs, and a `toci layout gc` run
// meanwhile by another process would delete them: the pull would then name a root whose blobs are gone. So every
// blob a store instance commits, or finds present, is leased first, in `ingest/leases/<pid>-<random>` (a first line
// `host <hostname>`, a second `process <start> <boot>` where the platform says (liveness.ts), then one line
// `<digest> <epoch ms>` each), and gc() keeps what the leases of other live processes name (containerd's leases do
// the same job). A lease ends with its process, or after `ttl`, so that a long-running process cannot pin blobs for
// ever. A process is judged alive only on its own host (as for the index lock, lock.ts), by liveness.ts: a zombie
// or a process that reused the pid is not the lease's holder. The leases of another host (a layout on NFS, a
// volume shared by containers) are judged by their age alone. An earlier toci, which wrote no `process` line, is
// judged by its pid and the file's age; it reads the `process` line as an expired lease. A process's own leases do not bind its own gc(): it knows what it
// runs (and a pull, a root removed, then gc in one process must free the blobs).
//
// The lease is written before the blob is looked at or renamed into place, so a gc that read the leases before it
// was written also listed its candidates before the blob was there; the one window left is a blob present before
// either (a pull skipping it) that a concurrent gc is deleting in the same milliseconds.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { errorCode, type FsFileHandle, type FsPromises } from "../fs-api.js";
import { APPEND_FLAGS } from "./files.js";
import { identity, ownIdentity, processLives } from "./liveness.js";
import { readSmall } from "./read-small.js";

/** Past this many lines more than the lease holds, the file is rewritten with one line per digest. */
const COMPACT_SLACK = 1024;
/** A lease file bigger than this is not read (a runaway or hostile file must not be loaded whole by gc). */
const MAX_LEASE_FILE = 16 * 1024 * 1024;

export interface Leases {
  /** Leases `digest` for this process, now; resolves once another process can see it. */
  take(digest: string): Promise<void>;
  /** take() of every digest, in one write: a pull leases its whole graph before it looks for any blob of it. */
  takeAll(digests: readonly string[]): Promise<void>;
  /** The digests other live processes hold leases on (expired ones aside); removes the files of dead processes. */
  heldByOthers(now: number): Promise<Set<string>>;
  /** Ends this process's leases (closes and deletes the file); a later take() starts a new one. */
  release(): Promise<void>;
}

export function leases(fs: FsPromises, dir: string, ttl: number): Leases {
  const own = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const path = join(dir, own);
  const host = hostname();
  const me = ownIdentity();
  const header = `host ${host}\nprocess ${me.start ?? "-"} ${me.boot ?? "-"}\n`;
  const HEADER_LINES = 2;
  const held = new Map<string, number>();
  let lines = 0;
  let handle: FsFileHandle | undefined;
  // One write at a time, in order: appends from concurrent calls must not interleave within a line.
  let queue: Promise<void> = Promise.resolve();

  const append = async (line: string): Promise<void> => {
    let text = line;
    if (!handle) {
      await fs.mkdir(dir, { recursive: true });
      handle = await fs.open(path, APPEND_FLAGS);
      // A new file (the first lease, or after a release) starts with its host; a compacted one already has it.
      if (lines === 0) text = header + text;
    }
    await writeText(handle, text);
  };

  /** Rewrites the file with the live entries only (write a temp file, rename over). */
  const compact = async (now: number): Promise<void> => {
    for (const [digest, at] of held) if (now - at >= ttl) held.delete(digest);
    const tmp = `${path}.tmp`;
    const text = header + [...held].map(([digest, at]) => `${digest} ${at}\n`).join("");
    const out = await fs.open(tmp, "w");
    await writeText(out, text).finally(() => out.close());
    await handle?.close().catch(() => {});
    handle = undefined;
    await fs.rename(tmp, path);
    lines = held.size + HEADER_LINES;
  };

  /** Appends one line per digest not leased recently, in one write; resolves once another process can see them. */
  const takeAll = (digests: readonly string[]): Promise<void> => {
    const now = Date.now();
    // Taken recently (a pull leases its graph, then checks and ingests each blob): still leased; wait only for
    // writes under way.
    const fresh = digests.filter((digest) => {
      const at = held.get(digest);
      return at === undefined || now - at >= ttl / 2;
    });
    if (fresh.length === 0) return queue;
    const run = queue.then(async () => {
      for (const digest of fresh) held.set(digest, now);
      await append(fresh.map((digest) => `${digest} ${now}\n`).join(""));
      lines += fresh.length;
      if (lines > 2 * held.size + COMPACT_SLACK) await compact(now);
    });
    // A failed lease is not the operation's failure: gc in another process is the rare case it guards against.
    queue = run.catch(() => {});
    return queue;
  };

  return {
    take: (digest) => takeAll([digest]),
    takeAll,

    release() {
      const run = queue.then(async () => {
        held.clear();
        lines = 0;
        const open = handle;
        handle = undefined;
        await open?.close().catch(() => {});
        // Whether or not a handle is open (a compaction closes it), the file goes, and a compaction's leftover too.
        await fs.unlink(path).catch(() => {});
        await fs.unlink(`${path}.tmp`).catch(() => {});
      });
      queue = run.catch(() => {});
      return queue;
    },

    heldByOthers: (now) => othersLeases(fs, { dir, own, host, ttl }, now),
  };
}

/** Writes all of `text` where the handle stands (an appending handle: at the end). */
async function writeText(handle: FsFileHandle, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  while (at < bytes.byteLength) at += (await handle.write(bytes, at, bytes.byteLength - at, null)).bytesWritten;
}

/** Where the leases are, whose they are, and how long they last. */
interface LeaseScope {
  dir: string;
  /** This store's lease file name. */
  own: string;
  host: string;
  ttl: number;
}

/** The digests other live processes hold leases on (expired ones aside); removes the files of dead processes. */
async function othersLeases(fs: FsPromises, scope: LeaseScope, now: number): Promise<Set<string>> {
  const { dir, own, host, ttl } = scope;
  const out = new Set<string>();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return out;
    throw error;
  }
  for (const name of names) {
    const match = /^(\d+)-[a-f0-9]+(\.tmp)?$/.exec(name);
    if (!match || name === own || name === `${own}.tmp`) continue;
    const file = join(dir, name);
    const lease = await readLease(fs, file);
    if (!lease) continue;
    // Whether its process lives can be known only on this host; an unknown host's leases age out instead.
    const holder = identity(match[1], lease.start, lease.boot);
    const dead = lease.host === host && (!holder || !processLives(holder, lease.mtimeMs));
    if (dead || match[2]) {
      // A dead process's leases end with it; a `.tmp` is a compaction that never finished (its process renames
      // it over the lease file, or dies): neither binds, and a dead one's files are removed.
      if (dead) await fs.unlink(file).catch(() => {});
      continue;
    }
    let live = false;
    for (const [digest, at] of lease.entries) {
      if (now - at < ttl) {
        out.add(digest);
        live = true;
      }
    }
    // Another host's file whose every lease expired is not coming back to life: remove it.
    if (!live && lease.host !== host && lease.mtimeMs < now - ttl) await fs.unlink(file).catch(() => {});
  }
  return out;
}

/** A lease file as read: its host, its process's identity where it says, its entries, and when it was written. */
interface LeaseFile {
  host: string | undefined;
  start: string | undefined;
  boot: string | undefined;
  entries: [digest: string, at: number][];
  mtimeMs: number;
}

/** Reads a lease file; undefined when it is not a regular file, is too big, or went away. */
async function readLease(fs: FsPromises, file: string): Promise<LeaseFile | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await fs.lstat(file)).mtimeMs;
    const bytes = await readSmall(fs, file, MAX_LEASE_FILE);
    if (!bytes) return undefined;
    text = new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  const host = /^host (.*)$/.exec(lines[0] ?? "")?.[1];
  const process = /^process (\S+) (\S+)$/.exec(lines[1] ?? "");
  const entries: [string, number][] = [];
  for (const line of lines.slice(process ? 2 : 1)) {
    const [digest, at] = line.split(" ");
    if (digest && at) entries.push([digest, Number(at)]);
  }
  return { host, start: process?.[1], boot: process?.[2], entries, mtimeMs };
}
