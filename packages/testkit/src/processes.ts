// Processes for the liveness and crash tests (Linux: they read /proc): one that dies and stays a zombie (its parent
// never reaps it, as a shell or a test runner busy elsewhere does not), and one that is simply alive (whose pid a
// file may name wrongly).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** /proc/<pid>/stat's state letter (field 3), or undefined when there is no such process. */
export function processState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function startTicks(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, "latin1");
  return text.slice(text.lastIndexOf(")") + 2).split(" ")[19] as string;
}

/** The first 8 hex digits of this boot's id, as the store records it. */
export function bootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "latin1")
    .replace(/[^a-f0-9]/g, "")
    .slice(0, 8);
}

export interface Unreaped {
  /** The process's pid. */
  pid: number;
  /** What it wrote on stdout so far. */
  output(): string;
  /** Resolves once it has died and is a zombie (state Z): dead, and not reaped. */
  zombie(): Promise<void>;
  /** Ends its parent, so that init reaps it. */
  release(): void;
}

/**
 * Runs `command ...args` as the child of a `sleep` that never waits for it: `sh` starts it in the background, prints
 * its pid and replaces itself with `sleep`. Once it dies it stays a zombie until {@link Unreaped.release}. Its
 * stdout is {@link Unreaped.output} (after the pid line), its stderr the caller's.
 */
export async function unreaped(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<Unreaped> {
  const parent: ChildProcess = spawn("sh", ["-c", '"$0" "$@" & echo "pid $!"; exec sleep 600', command, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: options.env ?? process.env,
  });
  let out = "";
  parent.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  while (!/^pid \d+\n/m.test(out)) await new Promise((resolve) => setTimeout(resolve, 5));
  const pid = Number(/^pid (\d+)$/m.exec(out)?.[1]);
  // Until `sh` has become `sleep`, it may still reap a child that died (a shell collects finished jobs).
  const comm = () => {
    try {
      return readFileSync(`/proc/${parent.pid}/comm`, "latin1").trim();
    } catch {
      return undefined;
    }
  };
  while (comm() !== "sleep") await new Promise((resolve) => setTimeout(resolve, 5));
  return {
    pid,
    output: () => out,
    async zombie() {
      const deadline = Date.now() + 30_000;
      while (processState(pid) !== "Z") {
        if (processState(pid) === undefined) throw new Error(`${pid} was reaped: the test cannot see a zombie`);
        if (Date.now() > deadline) throw new Error(`${pid} did not die`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    release: () => parent.kill("SIGKILL"),
  };
}

/** A live process that does nothing (a pid that files can name); kill it when done. */
export async function bystander(): Promise<ChildProcess & { pid: number }> {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  await new Promise((resolve) => child.once("spawn", resolve));
  return child as ChildProcess & { pid: number };
}
