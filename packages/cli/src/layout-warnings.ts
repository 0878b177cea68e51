// What the layout store tolerated instead of refusing (entries of index.json it skipped, see store-fs
// index-file.ts; blobs gc kept on doubt), shown to the user once per file: a command reads index.json several times (untag then gc,
// resolve then tag), and a rewrite moves the skipped entries (manifests[1] becomes manifests[0]), so the same
// condition would otherwise print again in other words.
import type { FsStoreWarning } from "@toci/store-fs";
import type { Output } from "./output.js";

/** An `onWarning` for fsStore that prints a warning once per file and count on stderr, and remembers the last one. */
export function layoutWarnings(out: Output): {
  onWarning: (warning: FsStoreWarning) => void;
  last(): FsStoreWarning | undefined;
} {
  const shown = new Set<string>();
  let last: FsStoreWarning | undefined;
  return {
    onWarning(warning) {
      last = warning;
      const key = `${warning.code}|${warning.file}|${warning.code === "GC_KEPT" ? warning.message : warning.skipped}`;
      if (shown.has(key)) return;
      shown.add(key);
      out.warn(warning.message);
    },
    last: () => last,
  };
}
