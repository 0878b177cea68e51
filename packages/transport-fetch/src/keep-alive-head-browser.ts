// keep-alive-head.ts for bundles built with the "browser" condition (package.json "imports"): undici's rule that
// it works around exists only in Node's fetch, so a browser app ships none of it.

/** Never a dispatcher: browsers keep HEAD connections open on their own, and their fetch takes no dispatcher. */
export function keepAliveHeadDispatcher(): undefined {
  return undefined;
}
