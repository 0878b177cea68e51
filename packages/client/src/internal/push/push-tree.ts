// Pushing a tree from the store: every blob and child manifest under a root, children before parents, blobs
// concurrently and skipping what the registry has (mounted from repositories of the registry the store saw them
// come from), manifests by digest, the root last (by tag when asked), then the tag in the store too.
import { type Descriptor, isSourceRecorder } from "@toci/spec-types";
import { checkDescriptor, checkTag } from "../checks.js";
import { graphBytes, readStored, walkGraph } from "../graph.js";
import { limiter } from "../limiter.js";
import type { Remote } from "../remote.js";
import type { OnBlob, Work } from "../transfer.js";
import { sendGraph } from "./send-graph.js";
import { storeSource } from "./source.js";

/** What to push. */
export interface TreePush {
  root: Descriptor;
  /** Tag the root with this, on the registry and in the store. */
  tag: string | undefined;
  onBlob: OnBlob;
}

/** The work of `repo.push(root, { tag })`. */
export function treePushWork(remote: Remote, push: TreePush): Work {
  return (reporter) =>
    remote.run(reporter.signal, async (signal) => {
      checkDescriptor(push.root);
      checkTag(push.tag);
      const { store, options } = remote;
      const limit = limiter(options.concurrency);
      const graph = await walkGraph(push.root, {
        maxManifestBytes: options.maxManifestBytes,
        limit,
        read: (descriptor) => readStored(store, descriptor, options.maxManifestBytes),
      });
      reporter.addTotal(graphBytes(graph));
      const recorder = isSourceRecorder(store) ? store : undefined;
      const prefix = `${remote.registryName}/`;
      await sendGraph(
        remote,
        {
          graph,
          root: push.root,
          tag: push.tag,
          open: (blob) => storeSource(store, blob),
          // Mount candidates: repositories of this registry the store saw the blob come from.
          mountFrom: async (blob) => {
            const sources = recorder ? await recorder.sources(blob.digest).catch(() => []) : [];
            return sources.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
          },
          limit,
          onBlob: push.onBlob,
        },
        { ...reporter, signal },
      );
      if (push.tag && !signal.aborted) await store.tag(push.root, `${remote.reference}:${push.tag}`);
    });
}
