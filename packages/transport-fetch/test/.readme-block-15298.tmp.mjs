import { fetchTransport } from "@toci/transport-fetch";

const registry = process.env.REGISTRY ?? "http://127.0.0.1:5001";
const transport = fetchTransport({
  retry: { limit: 3 }, // 408/429/5xx and network errors, idempotent requests only
  timeout: 10_000, // per attempt, until the response headers
  onWarning: ({ text }) => console.warn(`registry says: ${text}`),
});

const res = await transport.request({ method: "GET", url: `${registry}/v2/` });
console.log(res.status, res.headers.get("docker-distribution-api-version"));

// Bodies are ReadableStreams: read them, or cancel them. Never leave one hanging.
let bytes = 0;
for await (const chunk of res.body ?? []) bytes += chunk.byteLength;
console.log(`${bytes} bytes`);
