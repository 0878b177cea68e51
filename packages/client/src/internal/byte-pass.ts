// A byte stream in front of another stream that watches the bytes go by (hashing them, counting them) without a
// layer of its own in the way: a reader with its own buffer (BYOB) has it filled by the source directly when the
// source is a byte stream too, so a chain of these ends in one buffer reused from the first read to the last (the
// memory of a push of 1 GiB stays that of its buffers, not that of a gigabyte of chunks waiting for the collector).
// A TransformStream cannot do that: it hands on the chunks it is given, and a byte stream transfers them.

/** What a pass-through does with the bytes. */
export interface PassHooks {
  /** Sees every chunk before the reader does; throwing errors the stream and cancels the source. */
  chunk?(bytes: Uint8Array): void;
  /** Runs once the source ended, before the stream closes; throwing errors the stream instead. */
  end?(): void;
  /** Hears why the stream failed (the source's error, or what a hook threw), before the reader does. */
  failed?(error: unknown): void;
}

/** A default read from a byte source takes at most this much (a BYOB read takes what its view holds). */
const DEFAULT_READ = 256 * 1024;

/** `source`, watched by `hooks`; see the header. */
export function passBytes(source: ReadableStream<Uint8Array>, hooks: PassHooks): ReadableStream<Uint8Array> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    // not a byte stream: read by default, and a BYOB reader gets the chunks copied into its view
  }
  const reader = byob ?? source.getReader();
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        try {
          if (byob && request?.view) {
            const view = request.view;
            const { done, value } = await byob.read(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
            // The read transferred the request's buffer: the answer is a view of it (empty at the end).
            if (done) {
              hooks.end?.();
              controller.close();
            } else {
              hooks.chunk?.(value!);
            }
            if (value) request.respondWithNewView(value);
            return;
          }
          const { done, value } = byob
            ? await byob.read(new Uint8Array(DEFAULT_READ))
            : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
          if (done) {
            hooks.end?.();
            controller.close();
            request?.respond(0);
            return;
          }
          hooks.chunk?.(value);
          // enqueue() transfers the chunk's buffer: ours when read here, else copied (a caller's bytes, or a pooled
          // Node Buffer, must not be taken from under them; the constructor copies, where a Buffer's slice() would not).
          controller.enqueue((byob ? value : new Uint8Array(value)) as Uint8Array<ArrayBuffer>);
        } catch (error) {
          hooks.failed?.(error);
          controller.error(error);
          await reader.cancel(error).catch(() => {});
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
