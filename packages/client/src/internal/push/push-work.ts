// The work of a push (a tree from the store, an artifact from files): plan the graph under the run's signal, count
// all its bytes before any is sent (so that percent climbs by bytes; send-graph.ts adds none), send it, then finish
// (a tree push tags the root in the store too). The root pushed is the work's result.
import { graphBytes } from "../graph.js";
import { type Limit, limiter } from "../limiter.js";
import type { Remote } from "../remote.js";
import type { OnBlob, Work } from "../transfer.js";
import { type GraphSend, sendGraph } from "./send-graph.js";

/** What a push sends, and what it does once the graph is sent. */
export interface PushPlan extends Omit<GraphSend, "limit" | "onBlob"> {
  /** Runs after the graph is sent, unless the push was aborted. */
  after?(): Promise<void>;
}

/** A push: `plan` makes what to send (with the limit of the whole push, to share with a walk). */
export function pushWork(
  remote: Remote,
  onBlob: OnBlob,
  plan: (signal: AbortSignal, limit: Limit) => Promise<PushPlan>,
): Work {
  return (reporter) =>
    remote.run(reporter.signal, async (signal) => {
      const limit = limiter(remote.options.concurrency);
      const { after, ...send } = await plan(signal, limit);
      reporter.addTotal(graphBytes(send.graph));
      await sendGraph(remote, { ...send, limit, onBlob }, { ...reporter, signal });
      if (after && !signal.aborted) await after();
      return send.root;
    });
}
