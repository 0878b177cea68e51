// Leases: the blobs a live process is working with, so that gc() in another process leaves them alone.
//
// A pull writes (or finds) its blobs first and names its root last (children before parents, so that a named root
// always has everything under it). Until then nothing in index.json reaches those blobs, and a `toci layout gc` run
// meanwhile by another process would delete them: the pull would then name a root whose blobs are gone. So every
// blob a store instance commits, or finds present, is leased first, in `ingest/leases/<pid>-<random>` (a first line
// `host <hostname>`, then one line `<digest> <epoch ms>` each), and gc() keeps what the leases of other live
// processes name (containerd's leases do the same job). A lease ends with its process, or after `ttl`, so that a
// long-running process cannot pin blobs for ever. A pid says whether a process lives only on its own host (as for
// the index lock, lock.ts): the leases of another host (a layout on NFS, a volume shared by containers) are judged
// by their age alone. A process's own leases do not bind its own gc(): it knows what it
// runs (and a pull, a root removed, then gc in one process must free the blobs).
//
// The lease is written before the blob is looked at or renamed into place, so a gc that read the leases before it
// was written also listed its candidates before the blob was there; the one window left is a blob present before
// either (a pull skipping it) that a concurrent gc is deleting in the same milliseconds.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { errorCode, type FsFileHandle, type FsPromises } from "../fs-api.js";
import { processAlive } from "../lock.js";

/** Past this many lines more than the lease holds, the file is rewritten with one line per digest. */
const COMPACT_SLACK = 1024;
/** A lease file bigger than this is not read (a runaway or hostile file must not be loaded whole by gc). */
const MAX_LEASE_FILE = 16 * 1024 * 1024;

export interface Leases {
  /** Leases `digest` for this process, now; resolves once another process can see it. */
  take(digest: string): Promise<void>;
  /** The digests other live processes hold leases on (expired ones aside); removes the files of dead processes. */
  heldByOthers(now: number): Promise<Set<string>>;
  /** Ends this process's leases (closes and deletes the file); a later take() starts a new one. */
  release(): Promise<void>;
}

export function leases(fs: FsPromises, dir: string, ttl: number): Leases {
  const own = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const path = join(dir, own);
  const host = hostname();
  const header = `host ${host}\n`;
  const held = new Map<string, number>();
  let lines = 0;
  let handle: FsFileHandle | undefined;
  // One write at a time, in order: appends from concurrent calls must not interleave within a line.
  let queue: Promise<void> = Promise.resolve();

  const append = async (line: string): Promise<void> => {
    let text = line;
    if (!handle) {
      await fs.mkdir(dir, { recursive: true });
      handle = await fs.open(path, "a");
      // A new file (the first lease, or after a release) starts with its host; a compacted one already has it.
      if (lines === 0) text = header + text;
    }
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    while (at < bytes.byteLength) at += (await handle.write(bytes, at, bytes.byteLength - at, null)).bytesWritten;
  };

  /** Rewrites the file with the live entries only (write a temp file, rename over). */
  const compact = async (now: number): Promise<void> => {
    for (const [digest, at] of held) if (now - at >= ttl) held.delete(digest);
    const tmp = `${path}.tmp`;
    const text = header + [...held].map(([digest, at]) => `${digest} ${at}\n`).join("");
    const out = await fs.open(tmp, "w");
    try {
      const bytes = new TextEncoder().encode(text);
      let at = 0;
      while (at < bytes.byteLength) at += (await out.write(bytes, at, bytes.byteLength - at, null)).bytesWritten;
    } finally {
      await out.close();
    }
    await handle?.close().catch(() => {});
    handle = undefined;
    await fs.rename(tmp, path);
    lines = held.size + 1;
  };

  return {
    take(digest) {
      const now = Date.now();
      // Taken recently (a pull checks a blob, then ingests it): still leased; wait only for writes under way.
      const at = held.get(digest);
      if (at !== undefined && now - at < ttl / 2) return queue;
      const run = queue.then(async () => {
        held.set(digest, now);
        await append(`${digest} ${now}\n`);
        lines++;
        if (lines > 2 * held.size + COMPACT_SLACK) await compact(now);
      });
      // A failed lease is not the operation's failure: gc in another process is the rare case it guards against.
      queue = run.catch(() => {});
      return queue;
    },

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

    async heldByOthers(now) {
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
        const stats = await fs.stat(file).catch(() => undefined);
        if (!stats || stats.size > MAX_LEASE_FILE) continue;
        const text = new TextDecoder().decode(await fs.readFile(file).catch(() => new Uint8Array()));
        const lines = text.split("\n");
        const owner = /^host (.*)$/.exec(lines[0] ?? "")?.[1];
        // The pid says whether its process lives only on this host; an unknown host's leases age out instead.
        const dead = owner === host && !processAlive(Number(match[1]));
        if (dead || match[2]) {
          // A dead process's leases end with it; a `.tmp` is a compaction that never finished (its process renames
          // it over the lease file, or dies): neither binds, and a dead one's files are removed.
          if (dead) await fs.unlink(file).catch(() => {});
          continue;
        }
        let live = false;
        for (const line of lines.slice(1)) {
          const [digest, at] = line.split(" ");
          if (digest && now - Number(at) < ttl) {
            out.add(digest);
            live = true;
          }
        }
        // Another host's file whose every lease expired is not coming back to life: remove it.
        if (!live && owner !== host && stats.mtimeMs < now - ttl) await fs.unlink(file).catch(() => {});
      }
      return out;
    },
  };
}
