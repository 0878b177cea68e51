// The shared transport suite in Chromium, against the servers of the globalSetup. Skipped: the case of streamed
// request bodies never being retried (Chromium streams them only over HTTP/2, so here a stream body is read into a
// Blob first, which may be sent again; chromium.test.ts shows both), and the back-pressure check: Chromium's
// network stack reads a response ahead of the page (all 64 MiB, seen here).
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
  { streamingRequestBody: false, backPressure: false },
  { servers: () => inject("transportServers") },
);
