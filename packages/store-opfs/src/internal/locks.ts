// Web Lock names of the OPFS store. A writer holds `toci-opfs-writer:<root>/<file>` while it owns a partial file
// (taken before the file is created or claimed), so that neither a resuming writer nor gc() in any tab touches it;
// the browser releases it with the writer's worker. The index lock serialises read-modify-writes of index.json
// across tabs; gc() holds it too, so that no root is added while it walks the graph.
import { rootName } from "./layout.js";

export function writerLock(store: string, file: string): string {
  return `toci-opfs-writer:${rootName(store)}/${file}`;
}

/** Held around a commit's check-then-move, so that writers of one digest (in any tab) move one at a time. */
export function commitLock(store: string, digest: string): string {
  return `toci-opfs-commit:${rootName(store)}/${digest}`;
}

export function indexLock(store: string): string {
  return `toci-opfs-index:${rootName(store)}`;
}

export function sourcesLock(store: string, digest: string): string {
  return `toci-opfs-sources:${rootName(store)}/${digest}`;
}

/** The scope of the store's leases (`toci-lease:<scope>:…`, see webLockLeases). */
export function leaseScope(store: string): string {
  return `opfs/${rootName(store)}`;
}
