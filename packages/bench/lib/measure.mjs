// Timing whole processes the way the baselines did: wall time around the process, its peak RSS and CPU seconds read
// by /usr/bin/time; each row runs its tools once per round in a rotated order (round r starts with tool r mod n),
// so that no tool always runs first on a warm or a cold machine; ratios are taken round by round, then their median.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** CPU seconds (user + sys) a process has used so far, from /proc (Linux); undefined without one. */
export function cpuSeconds(pid) {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The tools' environment. NODE_EXTRA_CA_CERTS is left out unless BENCH_KEEP_EXTRA_CA=1: with it, every Node process
 * reads and parses that bundle as it starts, before any of its own code runs (this machine sets it to the system's
 * ~140 certificates: `node -e 0` takes 0.07–0.09 s with it, 0.02 s without), which says nothing of toci; the
 * registries here are plain HTTP on loopback, and skopeo, a Go program, never reads it.
 */
export const extraCaKept = process.env.BENCH_KEEP_EXTRA_CA === "1";
export const extraCaSet = process.env.NODE_EXTRA_CA_CERTS !== undefined;
const toolEnv = { ...process.env };
if (!extraCaKept) delete toolEnv.NODE_EXTRA_CA_CERTS;

/** Runs one command; returns wall seconds, peak RSS (MiB) and user/sys CPU seconds. Throws when it fails. */
export function timed([cmd, args], env = toolEnv) {
  const started = process.hrtime.bigint();
  const res = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const [rssKiB, user, sys] = res.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { seconds, rss: Math.round(rssKiB / 1024), user, sys };
}

/**
 * Writes back every dirty page on the machine (sync(1)) before a run starts, untimed. skopeo never syncs what it
 * writes: a gigabyte of its pages was still being written back during the run after it, whose own fdatasync calls
 * (toci's, the ceiling's) queued behind that writeback. Each run now starts on a quiet disk and pays for its own
 * writes only.
 */
function settleDisk() {
  spawnSync("sync");
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs a row: `tools` is { name: (round) => ({ command, setup?, cleanup? }) }. Prints each run as it ends and
 * returns { label, bytes, runs: { name: [result per round] } }. With `serverPid`, each run also records the CPU
 * seconds that process (the registry) spent meanwhile: the work a tool's requests cost the other side.
 */
export function row(label, bytes, tools, rounds, serverPid) {
  const names = Object.keys(tools);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) {
      const { command, cleanup } = tools[name](r);
      try {
        settleDisk();
        const before = cpuSeconds(serverPid);
        const result = timed(command);
        const after = cpuSeconds(serverPid);
        if (before !== undefined && after !== undefined) result.server = after - before;
        runs[name][r] = result;
        process.stderr.write(
          `${label} r${r} ${name.padEnd(8)} ${result.seconds.toFixed(3)} s ${result.rss} MiB user ${result.user.toFixed(2)} s sys ${result.sys.toFixed(2)} s${result.server === undefined ? "" : ` registry ${result.server.toFixed(2)} s`}\n`,
        );
      } finally {
        cleanup?.();
      }
    }
  }
  return { label, bytes, runs };
}

/**
 * Markdown lines for rows: per tool the median time, RSS and CPU (its own, and the registry's where measured); then the
 * medians of per-round ratios, `first` against each of `against`, and each pair of `also`.
 */
export function report(rows, { first, against, also = [] }) {
  const lines = [];
  for (const { label, bytes, runs } of rows) {
    const names = Object.keys(runs);
    lines.push(
      `### ${label}`,
      "",
      "| tool | rounds (s) | median s | MB/s | peak RSS MiB (median) | user CPU s (median) | sys CPU s (median) | registry CPU s (median) |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const name of names) {
      const list = runs[name];
      const s = median(list.map((x) => x.seconds));
      const rate = bytes ? (bytes / 1e6 / s).toFixed(0) : "—";
      const server = list.every((x) => x.server !== undefined) ? median(list.map((x) => x.server)).toFixed(2) : "—";
      lines.push(
        `| ${name} | ${list.map((x) => x.seconds.toFixed(2)).join(" ")} | ${s.toFixed(3)} | ${rate} | ${median(list.map((x) => x.rss))} | ${median(list.map((x) => x.user)).toFixed(2)} | ${median(list.map((x) => x.sys)).toFixed(2)} | ${server} |`,
      );
    }
    const pairs = [...against.map((other) => [first, other]), ...also];
    for (const [one, other] of pairs.filter(([a, b]) => a in runs && b in runs)) {
      const ratios = runs[one].map((x, i) => x.seconds / runs[other][i].seconds);
      lines.push(
        "",
        `${one} ÷ ${other}, per round: ${ratios.map((x) => x.toFixed(2)).join(" ")}; **median ${median(ratios).toFixed(2)}**`,
      );
    }
    lines.push("");
  }
  return lines;
}
