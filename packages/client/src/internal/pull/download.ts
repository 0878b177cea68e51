// One blob from the registry into the store, resumable: the store's partial ingest tells how many bytes it holds,
// and the download asks for the rest with `Range`. A 206 is used only when its Content-Range starts exactly there;
// a registry that ignores Range (200) restarts the ingest cleanly from zero (koci skipped bytes twice and corrupted
// resumed blobs: koci.md §2.2.4). Cut connections, 5xx and 429 are retried from what is held, with backoff.
// Verification is the store's: ingest.write refuses bytes past the size, commit checks size and digest.
import { type Descriptor, type Ingest, isOciError, OciError, toOciError, writeBlob } from "@toci/spec-types";
import { PULL, repositoryScope } from "../auth/scope.js";
import { base64Bytes } from "../base64.js";
import { parseContentRange } from "../content-range.js";
import type { RegistryContext } from "../context.js";
import { discard } from "../http.js";
import type { BlobReport } from "../transfer.js";

/** Backoff between blob download attempts: 250 ms doubling to at most 4 s (plus jitter), short of a user's patience. */
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 4000;

export async function downloadBlob(
  context: RegistryContext,
  repository: string,
  descriptor: Descriptor,
  report: BlobReport,
  signal: AbortSignal,
): Promise<void> {
  const { store } = context;
  if (typeof descriptor.data === "string") {
    // Embedded content (image-spec descriptor.md "data"): no request at all; the store verifies it.
    await writeBlob(store, descriptor, base64Bytes(descriptor.data));
    report.at(descriptor.size);
    return;
  }
  const path = `${repository}/blobs/${descriptor.digest}`;
  let resume = true;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortError(signal);
    let ingest: Ingest = await store.ingest(descriptor, { resume });
    report.at(ingest.offset);
    try {
      if (ingest.offset < descriptor.size || descriptor.size === 0) {
        const offset = ingest.offset;
        const response = await context.http.send({
          method: "GET",
          path,
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          scopes: [repositoryScope(repository, PULL)],
          signal,
        });
        if (response.status === 206) {
          const header = response.headers.get("content-range");
          const range = parseContentRange(header);
          if (
            !range ||
            range.first !== offset ||
            (range.complete !== undefined && range.complete !== descriptor.size)
          ) {
            // A range we did not ask for: start over without Range rather than guess. A registry that answers
            // every request so (even one without Range) would keep us here, so each restart costs an attempt.
            await discard(response);
            if (attempt >= context.options.blobAttempts) {
              throw new OciError(
                "PROTOCOL",
                `the registry answered a request for bytes ${offset}- with Content-Range ${JSON.stringify(header?.slice(0, 100) ?? null)}`,
              );
            }
            await ingest.abort();
            resume = false;
            context.logger.warn("registry answered a Range request with another range; restarting the blob", {
              digest: descriptor.digest,
            });
            continue;
          }
        } else if (response.status === 200) {
          if (offset > 0) {
            // The registry ignored Range and sends everything: restart the ingest at zero.
            await ingest.abort();
            ingest = await store.ingest(descriptor, { resume: false });
            report.at(0);
          }
        } else if (response.status === 416 && offset > 0) {
          // The partial is not a prefix the registry can continue (or 2.8.2's broken 416): start over.
          await discard(response);
          await ingest.abort();
          resume = false;
          continue;
        } else {
          throw await context.http.error(response, "GET", context.http.url(path), "BLOB_UNKNOWN");
        }
        if (response.body) {
          const reader = response.body.getReader();
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              report.moved(value.byteLength);
              await ingest.write(value);
              report.at(ingest.offset);
            }
          } catch (error) {
            await reader.cancel().catch(() => {});
            throw error;
          } finally {
            reader.releaseLock();
          }
        }
      }
      await ingest.commit();
      report.at(descriptor.size);
      return;
    } catch (error) {
      const e = signal.aborted ? abortError(signal) : toOciError(error, "NETWORK");
      if (e.code === "DIGEST_MISMATCH" || e.code === "SIZE_MISMATCH") {
        // The content is wrong, not the connection: never keep it, never retry into the same result.
        await ingest.abort().catch(() => {});
        throw e;
      }
      // Keep what was written: the next attempt, or the next run, resumes from it.
      await ingest.close().catch(() => {});
      if (!e.temporary || attempt >= context.options.blobAttempts || signal.aborted) throw e;
      const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      context.logger.warn(`blob download failed (${e.code}), resuming in ${Math.round(delay)} ms`, {
        digest: descriptor.digest,
        attempt,
        error: e,
      });
      await sleep(delay, signal);
      resume = true;
    }
  }
}

function abortError(signal: AbortSignal): OciError {
  const reason: unknown = signal.reason;
  return isOciError(reason) ? reason : new OciError("ABORTED", "the transfer was aborted", { cause: reason });
}

function sleep(ms: number, shared: AbortSignal): Promise<void> {
  // A follower of the shared signal carries the listener (Node warns past 10 listeners on one AbortSignal).
  const signal = AbortSignal.any([shared]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
