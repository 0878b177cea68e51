// A dedicated worker for whole-digest-path.test.ts: an in-worker opfsStore, whose verification runs in this very
// thread, so that a spy on crypto.subtle.digest here sees which path a commit took. "path": one blob of `size`
// under `wholeDigestMax`; answers the byte lengths WebCrypto was asked to digest. "keep": the digest fails (not a
// mismatch) on the first commit; answers that commit's error code and the offset the next ingest resumes at.
import { describe } from "@toci/spec-types";
import { randomBytes } from "@toci/testkit/store-suite";
import { opfsStore } from "../dist/in-worker.js";

interface Case {
  name: string;
  mode: "path" | "keep";
  size: number;
  wholeDigestMax: number;
}

self.onmessage = async ({ data: { name, mode, size, wholeDigestMax } }: MessageEvent<Case>) => {
  const original = crypto.subtle.digest.bind(crypto.subtle);
  const digested: number[] = [];
  let fail = mode === "keep";
  crypto.subtle.digest = (algorithm, data) => {
    digested.push((data as ArrayBufferView).byteLength);
    if (fail) return Promise.reject(new DOMException("out of memory", "OperationError"));
    return original(algorithm, data);
  };
  try {
    const bytes = randomBytes(size);
    const blob = await describe(bytes);
    const store = await opfsStore(name, { wholeDigestMax });
    try {
      const ingest = await store.ingest(blob);
      await ingest.write(bytes);
      const code = await ingest.commit().then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      if (mode === "path") return self.postMessage({ digested, code });
      fail = false;
      const resumed = await store.ingest(blob);
      const offset = resumed.offset;
      await resumed.commit();
      self.postMessage({ code, offset, stored: await store.exists(blob) });
    } finally {
      await store.close();
    }
  } catch (error) {
    self.postMessage({ error: String(error) });
  } finally {
    crypto.subtle.digest = original;
  }
};
