// The ceiling bench: what a pull into a browser store can reach here. The bench image (256 MiB) read every way a
// page can read a response (ceiling-cases.ts), on the page's main thread and in a dedicated worker, next to the Node
// store-fs pull in the same rounds (order rotated), with the page's long tasks during each; then one trace per
// chosen case (trace.ts) to tell what the long tasks are. Run it with `CEILING=1 npm run bench -w @toci/store-opfs`.
import { it } from "vitest";
import { commands as untyped } from "vitest/browser";
import type { PushedImage } from "../test-browser/harness.js";
import { type CaseName, cases, type Target, workerOnly } from "./ceiling-cases.js";
import { inWorker, timed } from "./page-timing.js";
import type { TraceSummary } from "./trace.js";

declare const __BENCH_ROUNDS__: number;
/** CEILING_CASES=a,b: only the cases whose label contains one of these (and Node). */
declare const __CEILING_CASES__: string;
const commands = untyped as unknown as {
  benchImage(): Promise<{ registry: string; image: PushedImage }>;
  nodePullTimed(): Promise<{ ms: number; cpuMs: number }>;
  writeFile(path: string, content: string): Promise<void>;
  traceStart(): Promise<void>;
  traceStop(): Promise<TraceSummary>;
  browserCpu(): Promise<{ browser: number; other: number }>;
};

type Where = "page" | "worker";
interface Run {
  round: number;
  case: string;
  ms: number;
  mbps: number;
  longTasks: number[];
  /** The Node pull's CPU time (user + system), ms. */
  cpuMs?: number;
  /** CPU time of the browser's processes during the run, and of the registry (user + system), ms. */
  browserCpuMs?: number;
  registryCpuMs?: number;
}

const names = Object.keys(cases) as CaseName[];
const all = [
  "node",
  ...names.flatMap((n) => (workerOnly.includes(n) ? ["worker"] : ["page", "worker"]).map((w) => `${w} ${n}`)),
];

async function run(label: string, base: Omit<Target, "store">): Promise<Omit<Run, "round" | "case" | "mbps">> {
  if (label === "node") return { ...(await commands.nodePullTimed()), longTasks: [] };
  const [where, name] = label.split(" ") as [Where, CaseName];
  const target = { ...base, store: `ceiling-${Date.now()}` };
  return timed(async () => (where === "page" ? void (await cases[name](target)) : inWorker(name, target)));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

it("bounds a browser pull: every way to read the image, page and worker, next to Node", async () => {
  const base = await commands.benchImage();
  const { image } = base;
  const bytes = [image.root, image.config, ...image.layers].reduce((n, d) => n + d.size, 0);
  const only = __CEILING_CASES__ ? __CEILING_CASES__.split(",") : undefined;
  const labels = only ? all.filter((l) => l === "node" || only.some((o) => l.includes(o))) : all;
  const runs: Run[] = [];
  for (let round = 0; round <= __BENCH_ROUNDS__; round++) {
    for (const label of labels.map((_, i) => labels[(i + round) % labels.length] as string)) {
      const cpu0 = await commands.browserCpu();
      const { ms, ...more } = await run(label, base);
      const cpu1 = await commands.browserCpu();
      more.browserCpuMs = cpu1.browser - cpu0.browser;
      more.registryCpuMs = cpu1.other - cpu0.other;
      if (round > 0) runs.push({ round, case: label, ms, mbps: bytes / 1e3 / ms, ...more });
    }
  }
  const traces: Record<string, TraceSummary> = {};
  const traced = [
    "page fetch-byob",
    "page transport-byob",
    "page pull-opfs",
    "worker pull-opfs",
    "worker pull-opfs-inline",
    "worker opfs-write-digest",
    "page pull-idb",
  ];
  for (const label of traced) {
    if (!labels.includes(label)) continue;
    await commands.traceStart();
    try {
      await run(label, base);
    } finally {
      traces[label] = await commands.traceStop();
    }
  }
  console.log(report(runs, traces, labels).join("\n"));
  await commands.writeFile("bench-results/ceiling.json", JSON.stringify({ bytes, runs, traces }, null, 2));
});

function report(runs: Run[], traces: Record<string, TraceSummary>, labels: string[]): string[] {
  const of = (label: string) => runs.filter((r) => r.case === label);
  const node = of("node");
  const lines = [
    "| case | MB/s per round | median | ÷ Node per round | page long tasks: count, longest, sum (ms) | CPU s per round: browser (Node: the pull) + registry |",
    "|---|---|---|---|---|---|",
  ];
  for (const label of labels) {
    const rs = of(label);
    const ratios = rs.map((r) => r.mbps / (node.find((n) => n.round === r.round)?.mbps ?? Number.NaN));
    const tasks = rs.flatMap((r) => r.longTasks);
    lines.push(
      `| ${label} | ${rs.map((r) => r.mbps.toFixed(0)).join(" / ")} | ${median(rs.map((r) => r.mbps)).toFixed(0)} | ${ratios.map((x) => x.toFixed(2)).join(" / ")} | ${tasks.length}, ${Math.max(0, ...tasks)}, ${tasks.reduce((n, d) => n + d, 0)} | ${rs.map((r) => `${(((label === "node" ? r.cpuMs : r.browserCpuMs) ?? 0) / 1000).toFixed(2)} + ${((r.registryCpuMs ?? 0) / 1000).toFixed(2)}`).join(" / ")} |`,
    );
  }
  lines.push(
    "",
    "Traces (renderer main thread; ms): busy wall / CPU / GC; each task over 50 ms: wall, CPU, GC, top work",
  );
  for (const [label, t] of Object.entries(traces)) {
    if (t.dataLoss) lines.push(`- ${label}: the browser dropped trace events (a full buffer): the sums are short`);
    lines.push(`- ${label}: busy ${t.busy.wall} / ${t.busy.cpu} / ${t.busy.gc}; ${t.longTasks.length} long tasks`);
    const cpu = t.threads.reduce((n, [, ms]) => n + ms, 0);
    lines.push(`  - CPU ms by thread (${cpu} in all): ${t.threads.map(([n, ms]) => `${n} ${ms}`).join(", ")}`);
    for (const [thread, top] of Object.entries(t.work ?? {})) {
      lines.push(`  - ${thread}: ${top.map(([n, ms]) => `${n} ${ms}`).join(", ")}`);
    }
    for (const task of t.longTasks.slice(0, 8)) {
      lines.push(
        `  - ${task.wall} wall, ${task.cpu} cpu, ${task.gc} gc: ${task.top.map(([n, d]) => `${n} ${d}`).join(", ")}`,
      );
    }
  }
  return lines;
}
