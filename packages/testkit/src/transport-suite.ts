// describeTransport: one conformance suite for every Transport (docs/architecture.md §4 item 4). It checks the contract of
// @toci/spec-types' transport.ts against small loopback servers: round trips of every method, streaming both
// ways, the retry policy (Retry-After in seconds and as a date, its cap, no retry of POST or of stream bodies),
// failures mapped to NETWORK / TIMEOUT / ABORTED, redirects that keep Authorization on the same origin and drop
// it on another port, and Warning headers reported once.
//
// Runtime-neutral: it imports no node: module, so the same assertions run in a browser. In Node the suite starts
// its servers itself (transport-servers.ts, loaded on demand); in a browser, pass the URLs of servers started by
// a vitest globalSetup through `options.servers` (provide/inject). Capability flags skip cases, never fork them.

import type { Transport } from "@toci/spec-types";
import { afterAll, beforeAll, describe } from "vitest";
import { blobBodies } from "./internal/transport-cases/blob-bodies.js";
import { json, type SuiteContext } from "./internal/transport-cases/context.js";
import { failures } from "./internal/transport-cases/failures.js";
import { redirects } from "./internal/transport-cases/redirects.js";
import { retries } from "./internal/transport-cases/retries.js";
import { roundTrips } from "./internal/transport-cases/round-trips.js";
import { streaming } from "./internal/transport-cases/streaming.js";
import { warnings } from "./internal/transport-cases/warnings.js";
import type { TransportServers } from "./transport-servers.js";

/** Base URLs of the suite's servers: two origins (same host, two ports) and a port nobody listens on. */
export interface TransportServerUrls {
  url: string;
  otherUrl: string;
  closedUrl: string;
}

/** The settings the suite needs a transport made with; each adapter maps them onto its own options. */
export interface TransportProfile {
  /** Retries after the first attempt. */
  retries: number;
  /** Per attempt, until the response headers, in ms. */
  timeoutMs: number;
  /** Longest gap between two body chunks, in ms. */
  idleTimeoutMs: number;
  /** Longest `Retry-After` honoured, in ms; longer ones are not retried. */
  maxRetryAfterMs: number;
  /** Receives each distinct Warning text once. */
  onWarning: (text: string) => void;
}

/** What the transport under test can do; a missing flag means "yes". */
export interface TransportCapabilities {
  /**
   * Request bodies from a ReadableStream go out as streams (so they are never retried). Browsers stream them only
   * over HTTP/2, so a browser's fetchTransport reads one into a Blob first, which it may send again.
   */
  streamingRequestBody?: boolean;
  /** Small responses, consumed or retried, and HEADs reuse one connection (checked through the server's count). */
  connectionReuse?: boolean;
  /** A 64 MiB response body, streamed. */
  largeResponse?: boolean;
  /**
   * A body nobody reads stops the server within a few MiB (Node: 3.7 MiB of 64 seen). Not so in Chromium, whose
   * network stack was seen taking all 64 MiB from the server while the page had read one chunk.
   */
  backPressure?: boolean;
  /** Responses read whole into a Blob (spec-types' BlobBodyResponse, an optional ability). */
  blobBody?: boolean;
}

/** Where the suite finds its servers; by default it starts them itself (Node only). */
export interface DescribeTransportOptions {
  servers?: () => TransportServerUrls | Promise<TransportServerUrls>;
}

/** Starts the suite's loopback servers (Node only; for a vitest globalSetup that serves browser tests). */
export async function startTransportServers(): Promise<TransportServers> {
  // A computed specifier, so that bundlers for the browser never follow it into node:http.
  const specifier = "./transport-servers.js";
  const module = (await import(/* @vite-ignore */ specifier)) as typeof import("./transport-servers.js");
  return module.startTransportServers();
}

const DEFAULT_PROFILE: Omit<TransportProfile, "onWarning"> = {
  retries: 2,
  timeoutMs: 5000,
  idleTimeoutMs: 5000,
  maxRetryAfterMs: 10_000,
};

/** Registers the suite for one transport. */
export function describeTransport(
  name: string,
  makeTransport: (profile: TransportProfile) => Transport,
  capabilities: TransportCapabilities = {},
  options: DescribeTransportOptions = {},
): void {
  const can = (flag: keyof TransportCapabilities) => capabilities[flag] !== false;

  describe(`Transport conformance: ${name}`, () => {
    let servers: TransportServerUrls;
    let owned: TransportServers | undefined;
    beforeAll(async () => {
      if (options.servers) servers = await options.servers();
      else servers = owned = await startTransportServers();
    });
    afterAll(async () => {
      await owned?.close();
    });

    const at = (path: string) => `${servers.url}${path}`;
    const ctx: SuiteContext = {
      can,
      make: (profile = {}) => makeTransport({ ...DEFAULT_PROFILE, onWarning: () => {}, ...profile }),
      id: () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
      at,
      servers: () => servers,
      async stats(transport) {
        const res = await transport.request({ method: "GET", url: at("/stats") });
        return ((await json(res)) as { connections: number }).connections;
      },
    };
    roundTrips(ctx);
    streaming(ctx);
    retries(ctx);
    failures(ctx);
    redirects(ctx);
    warnings(ctx);
    blobBodies(ctx);
  });
}
