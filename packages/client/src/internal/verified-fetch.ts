// `repo.fetch(descriptor, handler)`: content streamed to the caller's handler, verified as it flows. A size or
// digest mismatch errors the stream, and then the call fails with it whatever the handler returned (a handler that
// swallowed the stream's error must not turn wrong content into a result).
import { createVerifier, type Descriptor } from "@toci/spec-types";
import { base64Bytes } from "./base64.js";
import { checkDescriptor } from "./checks.js";
import type { Remote } from "./remote.js";

/** What `fetch` hands the content to. */
export type StreamHandler<T> = (stream: ReadableStream<Uint8Array>) => Promise<T> | T;

export async function fetchVerified<T>(
  remote: Remote,
  descriptor: Descriptor,
  handler: StreamHandler<T>,
  signal: AbortSignal,
): Promise<T> {
  checkDescriptor(descriptor);
  const body =
    typeof descriptor.data === "string"
      ? new Blob([base64Bytes(descriptor.data)]).stream()
      : await remote.get(descriptor, signal);
  let failure: unknown;
  const verified = body.pipeThrough(await createVerifier(descriptor));
  const watched = watch(verified, (error) => {
    failure = error;
  });
  let result: T;
  try {
    result = await handler(watched);
  } catch (error) {
    throw failure ?? error;
  } finally {
    await watched.cancel().catch(() => {});
  }
  if (failure) throw failure;
  return result;
}

/** A stream that reports its error (a verification failure) to `onError` as it passes through. */
function watch(stream: ReadableStream<Uint8Array>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        onError(error);
        controller.error(error);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
}
