// pull-worker.ts: a dedicated worker of the app's own; the pull runs here, off the page's main thread.
import { Client } from "@toci/client/pull";
import { opfsStore } from "@toci/store-opfs/in-worker";
import { fetchTransport } from "@toci/transport-fetch";

self.onmessage = async (event: MessageEvent<{ registry: string; repository: string; tag: string }>) => {
  const { registry, repository, tag } = event.data;
  // Written, hashed and verified in this worker: no second worker, nothing on the page's thread.
  const client = new Client({ transport: fetchTransport(), store: await opfsStore("images") });
  try {
    for await (const e of client.registry(registry).repo(repository).pull(tag)) {
      // Events cross to the page as plain data: an OciError's code and message rather than the error.
      if (e.type === "failed") self.postMessage({ type: "failed", code: e.error.code, message: e.error.message });
      else self.postMessage({ type: "progress", percent: e.percent, bytes: e.bytes, root: e.root });
    }
  } finally {
    await client.close(); // closes the store too: its files are let go
  }
};
