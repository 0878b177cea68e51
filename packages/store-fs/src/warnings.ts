// What the layout store tolerated rather than refused, as the `onWarning` option of `fsStore` receives it. The store
// never prints; the CLI shows these on stderr.
import type { ReachabilityDoubt } from "@toci/spec-types";
import type { IndexEntriesSkippedWarning } from "./index-file.js";

/** What gc() kept without proof that anything needed it (spec-types `reachable`: on any doubt, keep). */
export interface GcKeptWarning {
  code: "GC_KEPT";
  /** One line for a human: how many manifests were in doubt, and what was kept for them. */
  message: string;
  /** The layout's directory. */
  file: string;
  /** The manifests in doubt (the first 100), each with why and what was kept. */
  kept: ReachabilityDoubt[];
}

/** What the `onWarning` option of `fsStore` receives. */
export type FsStoreWarning = IndexEntriesSkippedWarning | GcKeptWarning;

/** How many doubts a warning lists. */
const MAX_LISTED = 100;

/** The warning for a gc() that kept blobs on doubt. */
export function gcKeptWarning(dir: string, doubts: readonly ReachabilityDoubt[]): GcKeptWarning {
  const everything = doubts.some((d) => d.kept === "everything");
  const first = doubts[0] as ReachabilityDoubt;
  const what = everything ? "kept every blob" : "kept the blobs they name";
  const count = doubts.length === 1 ? `1 manifest (${first.digest}: ${first.reason})` : `${doubts.length} manifests`;
  return {
    code: "GC_KEPT",
    message: `${dir}: gc could not read ${count} as a valid manifest and ${what}, rather than delete what may be needed`,
    file: dir,
    kept: doubts.slice(0, MAX_LISTED),
  };
}
