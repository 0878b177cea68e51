// The database: one `toci-<name>` database with one object store per key space (see the store's README), opened
// here with raw IndexedDB because idb-keyval (6.3.0) can create only one object store per database and a commit has
// to touch several in one transaction. idb-keyval does the single-store reads and writes through a UseStore per
// object store; multi-store transactions go through `transact`.
import { guardWebStorage, OciError } from "@toci/spec-types";
import { promisifyRequest, type UseStore } from "idb-keyval";

const DB_VERSION = 1;
export const STORES = ["chunks", "blobs", "partials", "roots", "uploads", "sources"] as const;
export type StoreName = (typeof STORES)[number];
/** The one key of the `roots` object store: the list of roots, as index.json would hold it. */
export const ROOTS_KEY = "index";

/** An open database, as the store's parts use it. */
export interface Database {
  /** The database's name. */
  readonly name: string;
  /** idb-keyval access to one object store. */
  readonly stores: Readonly<Record<StoreName, UseStore>>;
  /**
   * One readwrite transaction over several object stores; resolves with `body`'s result when it commits, rejects
   * (and aborts it) when `body` throws or the transaction aborts.
   */
  transact<T>(
    names: StoreName[],
    body: (tx: IDBTransaction) => T | Promise<T>,
    durability?: IDBTransactionDurability,
  ): Promise<T>;
  /** Closes the connection; later use fails with `CLOSED`. */
  close(): void;
}

/** Opens (creating when absent) the database `name`. */
export async function openDatabase(factory: IDBFactory, name: string): Promise<Database> {
  let db: IDBDatabase | undefined = await guardWebStorage("cannot open the database", () => open(factory, name));
  const current = (): IDBDatabase => {
    if (!db) throw new OciError("CLOSED", `the store ${name} is closed`);
    return db;
  };
  const useStore =
    (storeName: StoreName): UseStore =>
    (mode, callback) =>
      Promise.resolve().then(() => callback(current().transaction(storeName, mode).objectStore(storeName)));
  const stores = Object.fromEntries(STORES.map((s) => [s, useStore(s)])) as Record<StoreName, UseStore>;

  return {
    name,
    stores,
    async transact(names, body, durability = "default") {
      const tx = current().transaction(names, "readwrite", { durability });
      const done = promisifyRequest(tx);
      let result: Awaited<ReturnType<typeof body>>;
      try {
        result = await body(tx);
      } catch (error) {
        try {
          tx.abort();
        } catch {
          // already finished
        }
        await done.catch(() => {});
        throw error;
      }
      await done;
      return result;
    },
    close() {
      db?.close();
      db = undefined;
    },
  };
}

function open(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Without this, deleteDatabase() and future upgrades in another tab wait forever: a connection that ignores
      // versionchange blocks them, with no error and no timeout.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new OciError("STORE", `opening ${name} is blocked by another connection`));
  });
}

/** A random id for ingests and writers. */
export function randomId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
