// Leases across tabs: the blobs a live page is working with, so that gc() in another tab leaves them alone.
//
// A pull writes (or finds) its blobs first and names its root last, so until then nothing in `roots` reaches them,
// and gc() in another tab would delete them from under it. Every blob a store instance commits or finds present is
// therefore leased first, as a Web Lock named `toci-lease:<database>:<owner>:<digest>`: the browser lists held
// locks to every tab of the origin (navigator.locks.query()) and releases them when the page goes, so a lease
// needs no record and cannot outlive its tab. gc() keeps what other owners' leases name; a store's own leases do not
// bind its own gc() (it knows what it runs). close() ends them, and so does a day without use (as in the fs store),
// so that a tab left open for weeks does not pin what it once pulled. Without Web Locks (Node with fake-indexeddb)
// there is nobody else to protect against, and leases are no-ops.

interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

export interface Leases {
  /** Leases `digest` for this store; resolves once other tabs can see it. */
  take(digest: string): Promise<void>;
  /** The digests other owners hold leases on, from the held locks' names. */
  heldByOthers(held: ReadonlySet<string>): Set<string>;
  /** Ends this store's leases. */
  release(): void;
}

/** How long a lease lasts without being taken again, by default: longer than any pull, as the fs store's. */
const TTL_MS = 24 * 60 * 60 * 1000;
/** How often expired leases are looked for (more often when they last less). */
const SWEEP_MS = 60 * 60 * 1000;

export function leases(database: string, manager: LockManagerLike | undefined, ttl = TTL_MS): Leases {
  const owner = crypto.randomUUID();
  const prefix = `toci-lease:${database}:`;
  const own = new Map<string, Promise<() => void>>();
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
        taken = new Promise<() => void>((granted) => {
          let release!: () => void;
          const held = new Promise<void>((resolve) => {
            release = resolve;
          });
          // Unique per owner and digest, so it is granted at once; held until release.
          void manager
            .request(`${prefix}${owner}:${digest}`, () => {
              granted(release);
              return held;
            })
            .catch(() => granted(() => {}));
        });
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
