// A dedicated worker for worker-pull.test.ts. "resume": an ingest left open when its in-worker store closes, then
// the same blob ingested by a second store of the same name in this worker; answers the offset the second one
// resumes at. "nested": the main entry's opfsStore made here (it starts a nested worker) stores a blob; answers it.
import { describe, writeBlob } from "@toci/spec-types";
import { opfsStore } from "../dist/in-worker.js";
import { opfsStore as nestedStore } from "../dist/index.js";

const MiB = 1024 * 1024;

self.onmessage = async ({ data: { name, mode } }: MessageEvent<{ name: string; mode: "resume" | "nested" }>) => {
  try {
    const bytes = new Uint8Array(3 * MiB);
    for (let at = 0; at < bytes.length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
    const blob = await describe(bytes);
    if (mode === "nested") {
      const store = await nestedStore(name);
      await writeBlob(store, blob, bytes);
      await store.close();
      self.postMessage({ blob });
      return;
    }
    const first = await opfsStore(name);
    const ingest = await first.ingest(blob);
    // One full 2 MiB buffer goes to the file; the 1000 bytes after it wait in the next buffer, and are lost.
    await ingest.write(bytes.subarray(0, 2 * MiB + 1000));
    await first.close(); // the ingest is never closed: the store's close lets its file and lock go
    const second = await opfsStore(name);
    const resumed = await second.ingest(blob);
    const offset = resumed.offset;
    await resumed.write(bytes.subarray(offset));
    await resumed.commit();
    await second.close();
    self.postMessage({ offset });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
