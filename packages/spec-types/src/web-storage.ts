// The browser's storage manager (https://storage.spec.whatwg.org/) as the browser stores use it, shared by
// store-indexeddb and store-opfs: the quota estimate a pull can check before it downloads, persistence on request,
// and what a write that hit the quota becomes.
//
// What `navigator.storage.estimate()` says is an upper bound, not a promise (docs/architecture.md §6.9). Measured in
// Chromium 156: with an on-disk profile `quota` is always `usage` + 10 GiB (10737418240), whatever the disk holds; in
// an incognito context it says the same while writes fail past ~1.3 GB. So a "no" is worth acting on (the content
// cannot fit), a "yes" is not a guarantee, and a `QuotaExceededError` during the writes stays the one real signal.
import { isOciError, OciError } from "./errors.js";
import type { SpaceEstimate } from "./store.js";

interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persisted?(): Promise<boolean>;
  persist?(): Promise<boolean>;
}

function storageManager(): StorageManagerLike | undefined {
  return (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;
}

/** The origin's storage as `navigator.storage` reports it; every field undefined where there is no such API. */
export async function estimateWebStorage(): Promise<SpaceEstimate> {
  const storage = storageManager();
  const { usage, quota } = (await storage?.estimate?.()) ?? {};
  const persisted = await storage?.persisted?.();
  const available = usage !== undefined && quota !== undefined ? Math.max(0, quota - usage) : undefined;
  return { available, usage, quota, persisted };
}

/**
 * Asks the browser to keep the origin's storage under storage pressure (`navigator.storage.persist()`). Resolves
 * whether it is persistent now; false where the API is missing or the browser declines (a headless Chromium with no
 * site engagement declines).
 */
export async function persistWebStorage(): Promise<boolean> {
  const storage = storageManager();
  try {
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

/** Whether `error` is the platform's "quota exceeded" (a DOMException named QuotaExceededError). */
export function isQuotaExceeded(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "QuotaExceededError";
}

/**
 * A storage failure as an OciError `STORE`. A quota failure says so in its message and in `detail.quotaExceeded`,
 * so that an app can tell "make room" from "something broke".
 */
export function webStorageError(error: unknown, what: string): OciError {
  if (isOciError(error)) return error;
  if (isQuotaExceeded(error)) {
    return new OciError("STORE", `${what}: the browser's storage quota for this site is exceeded`, {
      cause: error,
      detail: { quotaExceeded: true },
    });
  }
  return new OciError("STORE", `${what}: ${describeError(error)}`, { cause: error });
}

/** Runs `fn`, turning what it throws into {@link webStorageError}. */
export async function guardWebStorage<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw webStorageError(error, what);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return `(${typeof error})`;
  }
}
