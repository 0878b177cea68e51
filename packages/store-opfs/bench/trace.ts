// What the page's long tasks are: a Chrome trace (DevTools protocol `Tracing`) recorded around one bench case, and
// each task of the renderer's main thread over 50 ms taken apart: its wall time, its thread (CPU) time — a task
// much longer than its CPU time waited for a core, the renderer descheduled — the garbage collection in it, and
// the work directly under it by name. Runs in the vitest process, as browser commands.
import { readdir, readFile } from "node:fs/promises";
import type { BrowserCommandContext } from "vitest/node";

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** One long task, in ms. */
export interface LongTask {
  wall: number;
  cpu: number;
  gc: number;
  /** The events directly under the task, summed by name, the largest first (ms). */
  top: [string, number][];
}

export interface TraceSummary {
  /** Tasks over 50 ms on the renderer main thread(s). */
  longTasks: LongTask[];
  /** Time the main thread spent in top-level tasks, wall and CPU, and in GC (ms). */
  busy: { wall: number; cpu: number; gc: number };
  /** CPU time (ms) in top-level tasks per process and thread, the largest first: where the work went. */
  threads: [string, number][];
  /** Per busy thread, what its top-level tasks' time went to (ms by event name). */
  work?: Record<string, [string, number][]>;
  /** The browser said it dropped events (a full buffer): the sums are short. */
  dataLoss?: boolean;
}

interface Session {
  send(method: string, params?: object): Promise<unknown>;
  on(event: string, listener: (params: { value?: TraceEvent[] }) => void): void;
  once(event: string, listener: (params: never) => void): void;
  detach(): Promise<void>;
}

let running: { session: Session; events: TraceEvent[] } | undefined;

const CATEGORIES = ["toplevel", "v8", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink"];
const GC = /^(MinorGC|MajorGC|V8\.GC_|BlinkGC\.|CppGC\.|ThreadState::)/;

/**
 * CPU time (user + system, ms) of this process's descendants so far, by kind: the browser's processes (Chromium's
 * browser, renderers, GPU and utility processes) and the rest (the registries). Read from /proc (Linux) before and
 * after a run: a run's CPU whatever the load, where its wall time is not.
 */
async function descendantsCpu(): Promise<{ browser: number; other: number }> {
  const stats = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const fields = stat.slice(close + 2).split(" "); // fields from the 3rd on: state, ppid, …
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (14th and 15th)
    stats.set(Number(entry), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, close), ticks });
  }
  const mine = new Set([process.pid]);
  const total = { browser: 0, other: 0 };
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, s] of stats) {
      if (mine.has(pid) || !mine.has(s.ppid)) continue;
      mine.add(pid);
      grew = true;
      total[/chrom/i.test(s.comm) ? "browser" : "other"] += (s.ticks * 1000) / 100; // USER_HZ is 100 on Linux
    }
  }
  return total;
}

export const traceCommands = {
  browserCpu: () => descendantsCpu(),
  async traceStart(ctx: BrowserCommandContext): Promise<void> {
    const { context, page } = ctx as unknown as {
      context: { newCDPSession(page: unknown): Promise<Session> };
      page: unknown;
    };
    const session = await context.newCDPSession(page);
    const events: TraceEvent[] = [];
    session.on("Tracing.dataCollected", ({ value }) => events.push(...(value ?? [])));
    await session.send("Tracing.start", {
      transferMode: "ReportEvents",
      // A buffer for the whole run: a ring buffer would drop its start, and the CPU sums with it.
      traceConfig: { includedCategories: CATEGORIES, recordMode: "recordUntilFull", traceBufferSizeInKb: 800_000 },
    });
    running = { session, events };
  },
  async traceStop(): Promise<TraceSummary> {
    const trace = running;
    running = undefined;
    if (!trace) throw new Error("no trace running");
    const complete = new Promise<{ dataLossOccurred?: boolean }>((resolve) =>
      trace.session.once("Tracing.tracingComplete", resolve as () => void),
    );
    await trace.session.send("Tracing.end");
    const { dataLossOccurred } = await complete;
    await trace.session.detach();
    return { ...summarize(trace.events), dataLoss: dataLossOccurred === true };
  },
};

function summarize(events: TraceEvent[]): TraceSummary {
  const mains = new Set(
    events
      .filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain")
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter((e) => e.ph === "X" && e.dur !== undefined && mains.has(`${e.pid}:${e.tid}`));
  onMain.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const tasks: TraceEvent[] = [];
  for (const e of onMain) {
    const last = tasks.at(-1);
    if (!e.cat.includes("toplevel")) continue;
    if (last && last.pid === e.pid && last.tid === e.tid && e.ts < last.ts + (last.dur ?? 0)) continue; // nested
    tasks.push(e);
  }
  const ms = (us: number | undefined) => Math.round((us ?? 0) / 100) / 10;
  const inside = (task: TraceEvent) =>
    onMain.filter(
      (e) => e !== task && e.pid === task.pid && e.tid === task.tid && e.ts >= task.ts && e.ts < task.ts + task.dur!,
    );
  const gcOf = (list: TraceEvent[]) => outermost(list.filter((e) => GC.test(e.name))).reduce((n, e) => n + e.dur!, 0);
  const longTasks = tasks
    .filter((t) => t.dur! > 50_000)
    .map((task) => {
      const within = inside(task);
      const top = new Map<string, number>();
      for (const e of outermost(within)) top.set(e.name, (top.get(e.name) ?? 0) + e.dur!);
      return {
        wall: ms(task.dur),
        cpu: ms(task.tdur),
        gc: ms(gcOf(within)),
        top: [...top]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([n, d]): [string, number] => [n, ms(d)]),
      };
    });
  const busy = {
    wall: ms(tasks.reduce((n, t) => n + t.dur!, 0)),
    cpu: ms(tasks.reduce((n, t) => n + (t.tdur ?? 0), 0)),
    gc: ms(gcOf(onMain)),
  };
  return { longTasks, busy, threads: threadTimes(events), work: workByThread(events) };
}

/**
 * For every thread with over 200 ms of CPU in top-level tasks: the events directly under those tasks, summed by name
 * (CPU ms where the event has it, else wall), the eight largest. Tells what a worker's time went to.
 */
function workByThread(events: TraceEvent[]): Record<string, [string, number][]> {
  const names = new Map<string, string>();
  for (const e of events)
    if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, e.args?.name ?? "?");
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== "X" || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    const list = byThread.get(key) ?? [];
    if (list.length === 0) byThread.set(key, list);
    list.push(e);
  }
  const out: Record<string, [string, number][]> = {};
  for (const [thread, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const tops = outermost(list.filter((e) => e.cat.includes("toplevel")));
    const cpu = tops.reduce((n, e) => n + (e.tdur ?? 0), 0);
    if (cpu < 200_000) continue;
    const sums = new Map<string, number>();
    let i = 0;
    for (const task of tops) {
      const end = task.ts + (task.dur ?? 0);
      const inside: TraceEvent[] = [];
      for (; i < list.length && list[i]!.ts < end; i++)
        if (list[i]!.ts >= task.ts && list[i] !== task) inside.push(list[i]!);
      for (const e of outermost(inside)) sums.set(e.name, (sums.get(e.name) ?? 0) + (e.tdur ?? e.dur ?? 0));
      sums.set("(task self+all)", (sums.get("(task self+all)") ?? 0) + (task.tdur ?? 0));
    }
    out[`${names.get(thread) ?? thread} (${Math.round(cpu / 1000)} ms)`] = [...sums]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([n, us]): [string, number] => [n, Math.round(us / 1000)]);
  }
  return out;
}

/** CPU time in top-level tasks per "process/thread", the ten largest (ms). */
function threadTimes(events: TraceEvent[]): [string, number][] {
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== "M") continue;
    if (e.name === "process_name") names.set(`${e.pid}`, e.args?.name ?? "?");
    if (e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, e.args?.name ?? "?");
  }
  const cpu = new Map<string, number>();
  const end = new Map<string, number>();
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ph !== "X" || !e.cat.includes("toplevel") || e.tdur === undefined) continue;
    const thread = `${e.pid}:${e.tid}`;
    if (e.ts < (end.get(thread) ?? -1)) continue; // nested in a task already counted
    end.set(thread, e.ts + (e.dur ?? 0));
    const key = `${names.get(`${e.pid}`) ?? e.pid}/${names.get(thread) ?? e.tid}`;
    cpu.set(key, (cpu.get(key) ?? 0) + e.tdur);
  }
  return [...cpu]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, us]): [string, number] => [k, Math.round(us / 1000)]);
}

/** The events not inside another of the list (sorted by start). */
function outermost(list: TraceEvent[]): TraceEvent[] {
  const out: TraceEvent[] = [];
  let end = -1;
  for (const e of list) {
    if (e.ts < end) continue;
    out.push(e);
    end = e.ts + (e.dur ?? 0);
  }
  return out;
}
