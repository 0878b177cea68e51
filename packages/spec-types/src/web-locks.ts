// Web Locks (https://w3c.github.io/web-locks/) as the browser stores use them, shared by store-indexeddb and
// store-opfs: a lock per live writer (so that another tab neither resumes nor sweeps its partial) and a lock per
// leased blob (so that gc() in another tab keeps what a pull still relies on). The browser lists held locks to every
// tab and worker of the origin (`navigator.locks.query()`) and releases them when their page or worker goes, so
// liveness needs no record that could outlive its tab. Without Web Locks (Node) there is nobody else to protect
// against: the helpers then hold nothing and report nothing held.

/** The part of `navigator.locks` (LockManager) these helpers use. */
export interface LockManagerLike {
  request(name: string, callback: (lock: unknown) => Promise<void>): Promise<void>;
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

/** This realm's LockManager (`navigator.locks`), or undefined where there is none. */
export function webLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

/** Releases a lock taken by {@link holdWebLock} or {@link tryWebLock}. Calling it again does nothing. */
export type ReleaseLock = () => void;

/**
 * Takes the exclusive lock `name` and holds it until the returned function is called (or the realm ends).
 * Resolves once the lock is granted, so that other tabs see it from then on.
 */
export function holdWebLock(name: string, manager = webLocks()): Promise<ReleaseLock> {
  return take(name, false, manager).then((release) => release ?? (() => {}));
}

/** Takes the lock `name` only if nobody holds it; resolves undefined when it is held. */
export function tryWebLock(name: string, manager = webLocks()): Promise<ReleaseLock | undefined> {
  return take(name, true, manager);
}

function take(name: string, ifAvailable: boolean, manager: LockManagerLike | undefined) {
  if (!manager) return Promise.resolve<ReleaseLock | undefined>(() => {});
  return new Promise<ReleaseLock | undefined>((granted, refused) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const callback = async (lock: unknown) => {
      // With ifAvailable, a lock already held calls back with null.
      if (lock === null) return granted(undefined);
      granted(release);
      await held;
    };
    const requested = ifAvailable
      ? manager.request(name, { ifAvailable: true }, callback)
      : manager.request(name, callback);
    requested.catch(refused);
  });
}

/** The names of every lock held in the origin right now (all tabs and workers); empty without Web Locks. */
export async function heldWebLocks(manager = webLocks()): Promise<Set<string>> {
  if (!manager) return new Set();
  const state = await manager.query();
  return new Set((state.held ?? []).map((lock) => lock.name ?? ""));
}

/** The blobs a store instance is working with, leased so that gc() in another tab leaves them alone. */
export interface Leases {
  /** Leases `digest` for this store instance; resolves once other tabs can see the lease. */
  take(digest: string): Promise<void>;
  /** The digests that other owners (other tabs, workers or store instances) hold leases on, from `held`. */
  heldByOthers(held: ReadonlySet<string>): Set<string>;
  /** Ends this store instance's leases. */
  release(): void;
}

/** Options for {@link webLockLeases}. */
export interface LeaseOptions {
  /**
   * How long a lease lasts without being taken again, in ms, so that a tab left open for weeks does not pin what
   * it once pulled.
   * @default 86400000 (a day: longer than any pull, as the fs store's leases)
   */
  ttl?: number;
  /** The LockManager. @default navigator.locks */
  manager?: LockManagerLike | undefined;
}

/** How long a lease lasts without being taken again, by default. */
const LEASE_TTL_MS = 24 * 60 * 60 * 1000;
/** How often expired leases are looked for (more often when they last less). */
const SWEEP_MS = 60 * 60 * 1000;

/**
 * Leases as Web Locks named `toci-lease:<scope>:<owner>:<digest>`: a pull writes (or finds) its blobs first and
 * names its root last, so until then nothing reaches them and gc() in another tab would delete them. Every blob a
 * store instance commits or finds present is leased first; gc() keeps what other owners' leases name (a store's own
 * leases do not bind its own gc(): it knows what it runs). A lease ends with its tab, with release(), and after
 * `ttl` without use. `scope` names the storage (a database, a directory), so stores of other names do not mix.
 */
export function webLockLeases(scope: string, options: LeaseOptions = {}): Leases {
  const manager = "manager" in options ? options.manager : webLocks();
  const ttl = options.ttl ?? LEASE_TTL_MS;
  const owner = crypto.randomUUID();
  const prefix = `toci-lease:${scope}:`;
  const own = new Map<string, Promise<ReleaseLock>>();
  const takenAt = new Map<string, number>();
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const drop = (digest: string) => {
    void own.get(digest)?.then((release) => release());
    own.delete(digest);
    takenAt.delete(digest);
  };
  const sweep = () => {
    const now = Date.now();
    for (const [digest, at] of takenAt) if (now - at >= ttl) drop(digest);
    if (own.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  return {
    take(digest) {
      if (!manager) return Promise.resolve();
      takenAt.set(digest, Date.now());
      sweeper ??= setInterval(sweep, Math.min(SWEEP_MS, ttl));
      let taken = own.get(digest);
      if (!taken) {
        // Unique per owner and digest, so it is granted at once. A LockManager that refuses costs the lease only.
        taken = holdWebLock(`${prefix}${owner}:${digest}`, manager).catch(() => () => {});
        own.set(digest, taken);
      }
      return taken.then(() => {});
    },

    heldByOthers(held) {
      const out = new Set<string>();
      for (const name of held) {
        if (!name.startsWith(prefix)) continue;
        const rest = name.slice(prefix.length);
        const colon = rest.indexOf(":");
        if (colon < 0 || rest.slice(0, colon) === owner) continue;
        out.add(rest.slice(colon + 1));
      }
      return out;
    },

    release() {
      for (const digest of [...own.keys()]) drop(digest);
      clearInterval(sweeper);
      sweeper = undefined;
    },
  };
}
