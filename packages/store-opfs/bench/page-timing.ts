// What both benches measure from the page: a run's time with the page's long tasks meanwhile, and a case of
// ceiling-cases.ts run in a dedicated worker (ceiling-worker.ts), started once and reused.
import type { CaseName, Target } from "./ceiling-cases.js";

/** Runs `work`, resolving its time (its own, when it answers one) and the page's long tasks meanwhile (ms each). */
export async function timed(work: () => Promise<unknown>): Promise<{ ms: number; longTasks: number[] }> {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(Math.round(entry.duration));
  });
  // The Long Tasks API reports every task over 50 ms, and only those.
  observer.observe({ type: "longtask", buffered: false });
  try {
    const start = performance.now();
    const own = await work();
    const ms = typeof own === "number" ? own : performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100)); // long tasks are reported after they end
    return { ms, longTasks };
  } finally {
    observer.disconnect();
  }
}

let worker: Worker | undefined;

/** Runs one case in the bench's worker; resolves the worker's own time for it (ms). */
export function inWorker(name: CaseName, target: Target): Promise<number> {
  worker ??= new Worker(new URL("./ceiling-worker.ts", import.meta.url), { type: "module" });
  const w = worker;
  return new Promise((resolve, reject) => {
    w.onmessage = ({ data }: MessageEvent<{ ms?: number; error?: string }>) =>
      data.error ? reject(new Error(data.error)) : resolve(data.ms!);
    w.onerror = (event) => reject(new Error(event.message));
    w.postMessage({ name, target });
  });
}
