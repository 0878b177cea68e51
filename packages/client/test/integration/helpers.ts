// Shared set-up of the integration tests: the registries of the globalSetup, clients over fetchTransport, and a
// logger that remembers errors so tests can assert on the OciError behind an `undefined`.
import type { Store, TransferEvent } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import type { RegistryInfo } from "@toci/testkit/registry";
import { fetchTransport } from "@toci/transport-fetch";
import { inject } from "vitest";
import { Client, type Logger } from "../../src/index.js";

export function registries(): Record<"plain" | "htpasswd" | "token" | "tls", RegistryInfo> {
  return inject("toci:registries" as never) as Record<"plain" | "htpasswd" | "token" | "tls", RegistryInfo>;
}

export interface TestLogger extends Logger {
  errors: Array<{ message: string; code: string | undefined }>;
  /** The warnings' messages (what the client refused to do, among others). */
  warnings: string[];
}

export function testLogger(): TestLogger {
  const errors: TestLogger["errors"] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    debug() {},
    info() {},
    warn(message) {
      warnings.push(message);
    },
    error(message, fields) {
      errors.push({ message, code: (fields?.error as { code?: string } | undefined)?.code });
    },
  };
}

export interface TestClientOptions {
  concurrency?: number;
  chunkSize?: number;
  monolithicMax?: number;
  blobAttempts?: number;
  /** No transport retries at all (a process that dies at the first failure). */
  noRetry?: boolean;
}

export function newClient(store: Store = memoryStore(), extra: TestClientOptions = {}) {
  const logger = testLogger();
  const { noRetry, ...options } = extra;
  // Fast retries: the tests' faults are brief, and waiting for real backoffs would only slow the suite.
  const transport = fetchTransport({ retry: noRetry ? false : { backoffBase: 20, backoffMax: 200 } });
  const client = new Client({ transport, store, logger, ...options });
  return { client, store, logger };
}

export async function collect(events: AsyncIterable<TransferEvent>): Promise<TransferEvent[]> {
  const out: TransferEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Asserts the transfer succeeded: the last event is progress 100, exactly once, after monotonic progress. */
export function succeeded(events: TransferEvent[]): boolean {
  const last = events.at(-1);
  if (last?.type !== "progress" || last.percent !== 100) {
    throw new Error(`transfer failed: ${JSON.stringify(last?.type === "failed" ? last.error : last)}`);
  }
  let previous = -1;
  for (const e of events) {
    if (e.type !== "progress") throw new Error("failed event before the end");
    if (e.percent < previous) throw new Error("progress went backwards");
    previous = e.percent;
  }
  return events.filter((e) => e.type === "progress" && e.percent === 100).length === 1;
}

let counter = 0;
/** A repository name no other test uses. */
export function uniqueRepo(prefix: string): string {
  return `${prefix}/r${process.pid}-${Date.now().toString(36)}-${counter++}`;
}
