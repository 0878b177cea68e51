// The shared transport suite (@toci/testkit), run against fetchTransport in Node.
import { describeTransport } from "@toci/testkit/transport-suite";
import { fetchTransport } from "../src/index.js";

describeTransport("fetchTransport (Node)", (profile) =>
  fetchTransport({
    retry: { limit: profile.retries, maxRetryAfter: profile.maxRetryAfterMs, backoffBase: 20 },
    timeout: profile.timeoutMs,
    idleTimeout: profile.idleTimeoutMs,
    onWarning: ({ text }) => profile.onWarning(text),
  }),
);
