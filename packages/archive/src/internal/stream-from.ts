// A ReadableStream over an async iterator, pulled one chunk at a time (ReadableStream.from is not in every browser
// toci supports yet). Errors come out as OciErrors; cancelling the stream returns the iterator (its finally runs).
import type { OciError } from "@toci/spec-types";

export function streamFrom(
  iterator: AsyncIterator<Uint8Array>,
  wrap: (error: unknown) => OciError,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(wrap(error));
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** A stream that reads from one not made yet (its module loads first); errors pass through as they are. */
export function lazyStream(later: Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= (await later).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await (reader ?? (await later)).cancel(reason);
    },
  });
}
