// The error model of the plain API (docs/architecture.md §3), written once for the pull entry's Repository and the
// full one: a call's OciError is logged and turned into its failure value; a transfer's ends in a `failed` event.
import { type TransferEvent, toOciError } from "@toci/spec-types";
import type { Remote } from "./remote.js";
import { transfer, type Work } from "./transfer.js";

/** Runs `call`; its error is logged (as `<op> <repository> failed`) and `fallback` resolved instead. */
export async function guarded<T>(remote: Remote, op: string, fallback: T, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = toOciError(error, "NETWORK");
    remote.logger.error(`${op} ${remote.reference} failed: ${e.message}`, { error: e });
    return fallback;
  }
}

/** A transfer of this repository: `work` as an event stream, its failure logged under `what`. */
export function transferOf(
  remote: Remote,
  what: string,
  work: Work,
  signal: AbortSignal | undefined,
): AsyncIterable<TransferEvent> {
  return transfer(work, { signal, logger: remote.logger, what });
}
