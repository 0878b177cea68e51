// The shared transport suite (@toci/testkit), run against nodeTransport.
import { describeTransport } from "@toci/testkit/transport-suite";
import { nodeTransport } from "../src/index.js";

describeTransport(
  "nodeTransport",
  (profile) =>
    nodeTransport({
      retry: { limit: profile.retries, maxRetryAfter: profile.maxRetryAfterMs, backoffBase: 20 },
      timeout: profile.timeoutMs,
      idleTimeout: profile.idleTimeoutMs,
      onWarning: ({ text }) => profile.onWarning(text),
    }),
  // Node keeps no Blobs of its own: a body read whole is `bytes()` (WholeBodyResponse), streamed otherwise.
  { blobBody: false },
);
