// The roots (what index.json holds in a layout), one list under the key "index" of the `roots` object store.
// idb-keyval's update is one readwrite transaction, so concurrent tags, in this tab or another, queue and none is
// lost.
import {
  type Descriptor,
  findRoot,
  type RootPredicate,
  resolveStoredManifest,
  tagRoots,
  untagRoots,
} from "@toci/spec-types";
import { get, update } from "idb-keyval";
import { readSmall } from "./blobs.js";
import { type Database, ROOTS_KEY } from "./database.js";

export async function listRoots(db: Database): Promise<Descriptor[]> {
  return (await get<Descriptor[]>(ROOTS_KEY, db.stores.roots)) ?? [];
}

/** A root by reference or predicate; else, for a digest, the stored manifest it names, verified first. */
export async function resolveRoot(db: Database, reference: string | RootPredicate): Promise<Descriptor | undefined> {
  const root = findRoot(await listRoots(db), reference);
  if (root || typeof reference !== "string") return root;
  return resolveStoredManifest(reference, (digest) => readSmall(db, digest));
}

export async function tagRoot(db: Database, descriptor: Descriptor, reference: string): Promise<void> {
  let failure: unknown;
  await update<Descriptor[]>(
    ROOTS_KEY,
    (roots) => {
      try {
        return tagRoots(roots ?? [], descriptor, reference);
      } catch (error) {
        failure = error; // thrown after the transaction, which wrote the list unchanged
        return roots ?? [];
      }
    },
    db.stores.roots,
  );
  if (failure) throw failure;
}

export async function untagRoot(db: Database, reference: string): Promise<boolean> {
  let removed = false;
  await update<Descriptor[]>(
    ROOTS_KEY,
    (roots) => {
      const result = untagRoots(roots ?? [], reference);
      removed = result.removed;
      return result.roots;
    },
    db.stores.roots,
  );
  return removed;
}
