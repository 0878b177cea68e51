// Whether the process that wrote a file is still running: what the index lock, the writers' files in ingest/ and
// the leases ask before they break, resume or ignore what another process left.
//
// A pid alone lies twice. A process killed but not yet reaped by its parent is a zombie, and `kill(pid, 0)`
// reports it alive, so a rerun started at once judged the killed pull's partials live and downloaded every blob
// again beside them. And pids are reused: a file named for a long-dead process whose pid now belongs to another
// is judged live for ever, never resumed and never swept. So a writer records its identity beyond the pid, where
// the platform gives it:
//   - Linux: the process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and the boot id
//     (/proc/sys/kernel/random/boot_id, its first 8 hex digits). A process is the writer only when a process of
//     that pid exists, is not a zombie (state Z or X), started at the recorded tick, and this is the recorded
//     boot. proc(5) documents both files.
//   - A file that records only a pid (written by an earlier toci) is judged by the pid, and on Linux the process of
//     that pid must also have started before the file was last written (its mtime, or the lock's own time): one
//     that started after it cannot be its writer.
//   - Where /proc says nothing (macOS, the BSDs, Windows; or a /proc mounted with hidepid that hides another
//     user's process), the fallback is `kill(pid, 0)`: a zombie then counts as alive and a reused pid goes
//     unnoticed. The index lock still ends at `staleLockAfter` and a lease at `leaseTtl`; a writer's file stays
//     until its pid is gone, and is then resumed or swept.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorCode } from "../fs-api.js";

/** A process as a file records it: its pid, and where the platform says, when it started and in which boot. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22), as decimal digits. */
  start?: string;
  /** The first 8 hex digits of the boot id. */
  boot?: string;
}

/** What /proc/<pid>/stat says about a process. */
interface ProcStat {
  /** Field 3: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  /** Field 22. */
  start: string;
}

/**
 * Clock ticks per second of /proc's times (sysconf(_SC_CLK_TCK)): USER_HZ, which Linux fixes at 100 on every
 * architecture Node runs on. Only the check of files that record a pid alone uses it, with a margin.
 */
const CLOCK_TICKS = 100;
/** A process counts as started after a file only when it started this long after it (btime is whole seconds). */
const START_MARGIN_MS = 2000;

let own: ProcessIdentity | undefined;
let bootTime: number | null | undefined;

/** This process's identity (read once). */
export function ownIdentity(): ProcessIdentity {
  if (!own) {
    own = { pid: process.pid };
    const start = procStat(process.pid)?.start;
    const boot = bootId();
    if (start !== undefined) own.start = start;
    if (boot !== undefined) own.boot = boot;
  }
  return own;
}

/**
 * The name part that says which writer made a file: `<pid>-<random>`, then `-s<start>` and `-b<boot>` where the
 * platform gives them. The pid comes first so that an earlier toci, which reads only `<pid>-…`, still judges it.
 */
function writerTag(random: string): string {
  const { pid, start, boot } = ownIdentity();
  return `${pid}-${random}${start === undefined ? "" : `-s${start}`}${boot === undefined ? "" : `-b${boot}`}`;
}

/** The random part of this process's writer tags, drawn once; see {@link newWriterTag}. */
let tagPrefix: string | undefined;
/** How many tags this process has made: what tells its writers apart. */
let tagCount = 0;

/**
 * A writer tag no other writer uses: a random prefix drawn once per process (two processes of one pid, in two
 * containers over one volume, still differ), then a counter. Drawing 6 random bytes for each cost ~30 µs of
 * OpenSSL (a lock and a getpid): a pull of 200 small blobs drew one per blob.
 */
export function newWriterTag(): string {
  tagPrefix ??= randomBytes(6).toString("hex");
  return writerTag(`${tagPrefix}${(tagCount++).toString(16)}`);
}

const TAG = /^(\d+)-[a-f0-9]+(?:-s(\d+))?(?:-b([a-f0-9]+))?$/;

/** The writer a tag names, or undefined when it is not one (then nobody can be judged its writer). */
export function parseWriterTag(tag: string): ProcessIdentity | undefined {
  const match = TAG.exec(tag);
  if (!match) return undefined;
  return identity(match[1], match[2], match[3]);
}

/** An identity from its recorded parts (undefined when the pid is not a pid). */
export function identity(pid: string | undefined, start?: string, boot?: string): ProcessIdentity | undefined {
  const n = Number(pid);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  const out: ProcessIdentity = { pid: n };
  if (start !== undefined && /^\d+$/.test(start)) out.start = start;
  if (boot !== undefined && /^[a-f0-9]+$/.test(boot)) out.boot = boot;
  return out;
}

/**
 * Whether the process `who` is running on this machine. `writtenAt` (ms since the epoch) is when the file that
 * names it was last written, used when `who` records no start time.
 */
export function processLives(who: ProcessIdentity, writtenAt?: number): boolean {
  const me = ownIdentity();
  if (who.boot !== undefined && me.boot !== undefined && who.boot !== me.boot) return false; // another boot
  if (who.pid === me.pid) return who.start === undefined || me.start === undefined || who.start === me.start;
  const stat = procStat(who.pid);
  // No /proc, or /proc hides the process (hidepid), or there is no such process: ask the kernel with a signal.
  if (stat === undefined) return signalSaysAlive(who.pid);
  if (stat.state === "Z" || stat.state === "X") return false; // killed, not yet reaped: gone for good
  if (who.start !== undefined) return stat.start === who.start;
  if (writtenAt === undefined) return true;
  const started = startedAt(stat.start);
  return started === undefined || started <= writtenAt + START_MARGIN_MS;
}

/** /proc/<pid>/stat, parsed; undefined when it cannot be read (no /proc, no such process, hidden). */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, so fields are counted from the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19]; // field 22, counting `pid` as 1 and `state` as 3
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
  return { state, start };
}

/** When a process that started at `ticks` after boot started, in ms since the epoch (from /proc/stat's btime). */
function startedAt(ticks: string): number | undefined {
  if (bootTime === undefined) {
    try {
      const line = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"));
      bootTime = line ? Number(line[1]) * 1000 : null;
    } catch {
      bootTime = null;
    }
  }
  return bootTime === null ? undefined : bootTime + (Number(ticks) * 1000) / CLOCK_TICKS;
}

function bootId(): string | undefined {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").replace(/[^a-f0-9]/g, "");
    return id.length >= 8 ? id.slice(0, 8) : undefined;
  } catch {
    return undefined;
  }
}

/** The fallback: `kill(pid, 0)`. EPERM means the process runs as another user. */
function signalSaysAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}
