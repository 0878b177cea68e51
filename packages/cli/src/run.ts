// One invocation's state: its output, the signal Ctrl-C fires, and the exit code.
import type { Output } from "./output.js";

export interface Run {
  out: Output;
  /** Aborted on the first Ctrl-C: transfers stop cleanly and keep their partials. */
  signal: AbortSignal;
  /** Replaces what the first Ctrl-C prints (a server's stop is no interrupted transfer); "" prints nothing. */
  interruptNote?(text: string): void;
}
