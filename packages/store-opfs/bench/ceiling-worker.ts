// The worker side of the ceiling bench: runs one case of ceiling-cases.ts on request and answers its time in ms.
import { type CaseName, cases, type Target } from "./ceiling-cases.js";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ name: CaseName; target: Target }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async ({ data: { name, target } }) => {
  try {
    const start = performance.now();
    await cases[name](target);
    scope.postMessage({ ms: performance.now() - start });
  } catch (error) {
    scope.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
