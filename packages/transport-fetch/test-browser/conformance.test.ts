// The shared transport suite in Chromium, against the servers of the globalSetup. Streamed request bodies are
// skipped: Chromium sends them only over HTTP/2 (the suite's servers speak HTTP/1.1), and connection counting is
// skipped: Chromium keeps up to six connections per origin as it sees fit; and so is the back-pressure check:
// Chromium's network stack reads a response ahead of the page (all 64 MiB, seen here).
import { describeTransport } from "@toci/testkit/transport-suite";
import { inject } from "vitest";
import { fetchTransport } from "../src/index.js";

describeTransport(
  "fetchTransport (Chromium)",
  (profile) =>
    fetchTransport({
      retry: { limit: profile.retries, maxRetryAfter: profile.maxRetryAfterMs, backoffBase: 20 },
      timeout: profile.timeoutMs,
      idleTimeout: profile.idleTimeoutMs,
      onWarning: ({ text }) => profile.onWarning(text),
    }),
  { streamingRequestBody: false, connectionReuse: false, backPressure: false },
  { servers: () => inject("transportServers") },
);
