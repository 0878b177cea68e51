// Pushing a tree from the store: every blob and child manifest under a root, children before parents, blobs
// concurrently and skipping what the registry has (mounted from repositories of the registry the store saw them
// come from), manifests by digest, the root last (by tag when asked), then the tag in the store too.
// A mount has the registry copy a blob the pusher's credentials can read into the target, without its bytes: so a
// blob is mounted only when the store holds it, from sources the store recorded itself (store-fs binds each record
// to the blob file it made: a layout received from elsewhere, naming a blob it does not contain with a source in a
// private repository of the target registry, gets no mount, and the push fails on the missing blob), or from
// repositories the caller named.
import { type Descriptor, isSourceRecorder, type Store } from "@toci/spec-types";
import { checkDescriptor, checkTag } from "../checks.js";
import { readStored, walkGraph } from "../graph.js";
import type { Remote } from "../remote.js";
import type { OnBlob, Work } from "../transfer.js";
import { pushWork } from "./push-work.js";
import { storeSource } from "./source.js";

/** What to push. */
export interface TreePush {
  root: Descriptor;
  /** Tag the root with this, on the registry and in the store. */
  tag: string | undefined;
  /** Repositories of the registry the caller names to mount every blob from. */
  mountFrom: readonly string[];
  onBlob: OnBlob;
}

/** The work of `repo.push(root, { tag })`. */
export function treePushWork(remote: Remote, push: TreePush): Work {
  const { store, options } = remote;
  return pushWork(remote, push.onBlob, async (_signal, limit) => {
    checkDescriptor(push.root);
    checkTag(push.tag);
    const graph = await walkGraph(push.root, {
      maxManifestBytes: options.maxManifestBytes,
      maxGraphBytes: options.maxGraphBytes,
      limit,
      read: (descriptor) => readStored(store, descriptor, options.maxManifestBytes),
    });
    return {
      graph,
      root: push.root,
      tag: push.tag,
      open: (blob) => storeSource(store, blob),
      mountFrom: async (blob) => [...push.mountFrom, ...(await recordedSources(store, blob, remote.registryName))],
      after: async () => {
        if (push.tag) await store.tag(push.root, `${remote.reference}:${push.tag}`);
      },
    };
  });
}

/** Repositories of `registry` the store recorded pulling `blob` from, when it holds the blob. */
async function recordedSources(store: Store, blob: Descriptor, registry: string): Promise<string[]> {
  if (!isSourceRecorder(store) || !(await store.exists(blob).catch(() => false))) return [];
  const prefix = `${registry}/`;
  const sources = await store.sources(blob.digest).catch(() => []);
  return sources.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
}
