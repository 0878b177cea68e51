// An optional ability of the Store contract (docs/architecture.md §2): keeping what a client learnt a registry can
// do (the referrers API, a cap on request bodies, refused PATCH uploads, multi-tag PUTs) across runs, so that each
// run of a command does not probe the registry again. The client decides what the entries mean and when they expire;
// the store keeps them as they are.

/** One thing learnt about a registry: its value and when it was learnt (ms since the epoch). */
export interface KeptAbility {
  value: boolean | number;
  at: number;
}

/** What was learnt about one registry, by name (`referrersApi`, `maxRequestBytes`, ...). */
export type KeptAbilities = Record<string, KeptAbility>;

/**
 * Optional ability: keeps what was learnt about each registry, keyed by a string the client chooses (the registry's
 * API base URL). A hint, never trusted for content: a store may lose it, and an unreadable record reads as nothing.
 */
export interface AbilityKeeper {
  getAbilities(registry: string): Promise<KeptAbilities | undefined>;
  setAbilities(registry: string, abilities: KeptAbilities): Promise<void>;
  /** Forgets everything learnt about every registry (the next run probes again). */
  clearAbilities(): Promise<void>;
}

/** Whether a store keeps what was learnt about registries. */
export function isAbilityKeeper(store: unknown): store is AbilityKeeper {
  const s = store as Partial<AbilityKeeper> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.getAbilities === "function" &&
    typeof s.setAbilities === "function" &&
    typeof s.clearAbilities === "function"
  );
}

/** The entries of a record read back from storage that have the shape of a KeptAbility; the rest is dropped. */
export function keptAbilities(value: unknown): KeptAbilities {
  const out: KeptAbilities = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    const e = entry as Partial<KeptAbility> | null;
    const valid = typeof e?.value === "boolean" || (typeof e?.value === "number" && Number.isFinite(e.value));
    if (valid && typeof e?.at === "number" && Number.isFinite(e.at)) out[name] = { value: e.value!, at: e.at };
  }
  return out;
}
