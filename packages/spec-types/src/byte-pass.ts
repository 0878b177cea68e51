// A byte stream in front of another stream that watches the bytes go by (hashing them, counting them, timing the
// waits for them) without a layer of its own in the way: a reader with its own buffer (BYOB) has it filled by the
// source directly when the source is a byte stream too, so a chain of these ends in one buffer reused from the first
// read to the last (the memory of a push of 1 GiB stays that of its buffers, not that of a gigabyte of chunks waiting
// for the collector). A TransformStream cannot do that: it hands on the chunks it is given, and a byte stream
// transfers them. Every watcher of bytes in toci is one of these: the client's verification, push bodies and low-speed
// rule, and the fetch transport's idle timeout.
//
// The source's reader is opened the way the first read asks. A reader with a buffer of its own has it handed on to a
// byte-stream source. A default reader (a manifest, a tag list, a token read whole) gets the source's own chunks,
// copied at their size: reading them into a buffer of ours would allocate one per read (see FIRST_READ).

/** What a pass-through does with the bytes. */
export interface PassHooks {
  /** Told once, first, how to cancel the source (with the reader the stream opened, if it did). */
  open?(cancelSource: (reason: unknown) => Promise<void>): void;
  /** A read of the source starts. */
  reading?(): void;
  /** That read settled (before its bytes are seen); throwing errors the stream and cancels the source. */
  read?(): void;
  /** Sees every chunk before the reader does; throwing errors the stream and cancels the source. */
  chunk?(bytes: Uint8Array): void;
  /** Runs once the source ended, before the stream closes; throwing errors the stream instead. */
  end?(): void;
  /** The error the reader gets for a failure (the source's error, or what a hook threw): a transport's own, say. */
  mapError?(error: unknown): unknown;
  /** Hears why the stream failed (as the reader will), before the reader does. */
  failed?(error: unknown): void;
  /** The reader cancelled the stream. */
  cancelled?(): void;
}

/** A read without a buffer of the reader's own takes at most this much from a byte stream. */
const READ = 256 * 1024;
/**
 * The first such read's buffer, doubled after each read that fills it, up to READ: a zero-filled 256 KiB buffer per
 * read of a small body (a tag list, a token, a manifest of a few KB) cost a tag listing four times node:http's CPU
 * (the bench's metadata row).
 */
const FIRST_READ = 16 * 1024;

/** `source`, watched by `hooks`; see the header. */
export function passBytes(source: ReadableStream<Uint8Array>, hooks: PassHooks): ReadableStream<Uint8Array> {
  let reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The BYOB reader, when the source is a byte stream and the first read brought a buffer. */
  let byob: ReadableStreamBYOBReader | undefined;
  /** The size of the next buffer of our own (a default read after BYOB ones). */
  let next = FIRST_READ;
  const cancelSource = (reason: unknown) => (reader ? reader.cancel(reason) : source.cancel(reason));
  hooks.open?.(cancelSource);
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        const view = request?.view;
        if (!reader) {
          try {
            if (view) byob = source.getReader({ mode: "byob" });
          } catch {
            // not a byte stream: read by default, and a BYOB reader gets the chunks copied into its view
          }
          reader = byob ?? source.getReader();
        }
        try {
          let result: ReadableStreamReadResult<Uint8Array>;
          hooks.reading?.();
          try {
            result = await (byob
              ? byob.read(view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(next))
              : (reader as ReadableStreamDefaultReader<Uint8Array>).read());
          } finally {
            hooks.read?.();
          }
          const { done, value } = result;
          if (done) {
            hooks.end?.();
            controller.close();
            // A BYOB read at the end gives the (transferred) view back, empty.
            if (byob && view && value) request!.respondWithNewView(value as Uint8Array<ArrayBuffer>);
            else request?.respond(0);
            return;
          }
          if (byob && !view && value.byteLength === next) next = Math.min(READ, next * 2);
          hooks.chunk?.(value);
          // Read into the lent view: answered with it. Else enqueued (which also fills a lent view), transferring the
          // buffer: ours when read here, else a copy (a caller's bytes, or a pooled Node Buffer, must not be taken
          // from under them; the constructor copies, where a Buffer's slice() would not).
          if (byob && view) request!.respondWithNewView(value as Uint8Array<ArrayBuffer>);
          else controller.enqueue((byob ? value : new Uint8Array(value)) as Uint8Array<ArrayBuffer>);
        } catch (thrown) {
          const error = hooks.mapError ? hooks.mapError(thrown) : thrown;
          hooks.failed?.(error);
          controller.error(error);
          await cancelSource(error).catch(() => {});
        }
      },
      cancel(reason) {
        hooks.cancelled?.();
        return cancelSource(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
