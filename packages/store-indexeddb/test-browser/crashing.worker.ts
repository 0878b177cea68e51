// The store's writer worker (../src/worker.ts), made to die: after the writes it lets through, the next one throws an
// error nothing catches, as a worker that crashes mid-pull does; the page must hear of it and say STORE.
import "../src/worker.js";

const scope = self as unknown as { onmessage: ((event: MessageEvent) => void) | null };
const serve = scope.onmessage;
/** Writes let through before the crash. */
let writes = 2;

scope.onmessage = (event) => {
  if (event.data.request.op === "write" && writes-- <= 0) throw new Error("the worker crashed");
  serve?.(event);
};
