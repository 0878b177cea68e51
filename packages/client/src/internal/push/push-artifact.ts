// `repo.pushArtifact(files, options)`: the files hashed and the manifest written (artifact-manifest.ts), then sent
// as any graph is (send-graph.ts): blobs concurrently and skipped when the registry has them, the manifest last, by
// tag when asked, keeping the subject's referrers fallback index. Nothing goes into the store: the files are the
// caller's, and a manifest stored without them would be a root whose blobs are missing (oras does not store it
// either); the last event's `root` names what was pushed.
import type { PushArtifactOptions, PushFile } from "../../artifact-options.js";
import { planArtifact } from "../artifact-manifest.js";
import type { Remote } from "../remote.js";
import type { Work } from "../transfer.js";
import { pushWork } from "./push-work.js";
import { sourceOf } from "./source.js";

/** The work of `repo.pushArtifact`. */
export function artifactPushWork(remote: Remote, files: readonly PushFile[], options: PushArtifactOptions): Work {
  return pushWork(remote, options.onBlob, async (signal) => {
    const plan = await planArtifact(files, options);
    signal.throwIfAborted();
    return {
      graph: { blobs: plan.blobs, manifests: [{ descriptor: plan.root, bytes: plan.bytes }] },
      root: plan.root,
      tag: options.tag,
      open: (blob) => sourceOf(plan.data.get(blob.digest)!, blob),
      mountFrom: async () => [],
    };
  });
}
