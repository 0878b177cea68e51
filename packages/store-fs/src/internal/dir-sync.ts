// fsync of a directory makes the renames in it durable. One fsync covers every rename done before it started, so
// concurrent commits into one directory share syncs (a group commit): a pull of 200 small blobs, 8 at a time, pays
// for a few directory syncs instead of 200. Each caller still waits for a sync that started after its own rename.
import type { FsPromises } from "../fs-api.js";

interface DirState {
  /** The sync running now, if any. */
  running: Promise<void> | undefined;
  /** The sync that will start when `running` ends, shared by everyone who renamed meanwhile. */
  next: Promise<void> | undefined;
}

const states = new WeakMap<FsPromises, Map<string, DirState>>();

/** Makes the renames done in `dir` so far durable. Best effort: not every file system can open a directory. */
export function syncDir(fs: FsPromises, dir: string): Promise<void> {
  let byDir = states.get(fs);
  if (!byDir) {
    byDir = new Map();
    states.set(fs, byDir);
  }
  let state = byDir.get(dir);
  if (!state) {
    state = { running: undefined, next: undefined };
    byDir.set(dir, state);
  }
  const s = state;
  if (s.next) return s.next;
  const start = (): Promise<void> => {
    const run = syncOnce(fs, dir).finally(() => {
      if (s.running === run) s.running = undefined;
      if (!s.running && !s.next) byDir.delete(dir);
    });
    s.running = run;
    return run;
  };
  if (!s.running) return start();
  // A sync is running, but it may have started before this caller's rename: queue one more, shared.
  const next = s.running.then(() => {
    s.next = undefined;
    return start();
  });
  s.next = next;
  return next;
}

async function syncOnce(fs: FsPromises, dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, "r");
    await handle.sync().finally(() => handle.close());
  } catch {
    // a rename that is not yet durable is still atomic
  }
}
