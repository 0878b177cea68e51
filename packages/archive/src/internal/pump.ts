// Reading a decoder (DecompressionStream, the zstd TransformStream) with backpressure that holds on every runtime:
// its input is written one chunk at a time, and only while no output is waiting to be read. Piping does not
// suffice in Node 20, whose DecompressionStream takes all the input it is given and holds the output (measured: 178
// MB of gzip taken while 26 MB had been read; a 256 MiB layer peaked at 298 MiB of RSS).

/** A reader over a decoder's output that feeds it from `input` only as fast as the output is read. */
export interface Pump {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

export function pump(
  input: ReadableStreamDefaultReader<Uint8Array>,
  decoder: TransformStream<Uint8Array, Uint8Array>,
): Pump {
  const writer = decoder.writable.getWriter();
  const reader = decoder.readable.getReader();
  let reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let writing: Promise<"fed"> | undefined;
  let ended = false;
  const feed = async (): Promise<"fed"> => {
    const { done, value } = await input.read();
    if (done) {
      ended = true;
      await writer.close();
    } else await writer.write(value);
    return "fed";
  };
  return {
    async read() {
      for (;;) {
        reading ??= quiet(reader.read());
        if (!ended) writing ??= quiet(feed());
        const first = await Promise.race(writing ? [reading, writing] : [reading]);
        if (first === "fed") {
          writing = undefined;
          continue;
        }
        reading = undefined;
        return first;
      }
    },
    async cancel(reason) {
      await Promise.all([
        reader.cancel(reason).catch(() => {}),
        writer.abort(reason).catch(() => {}),
        input.cancel(reason),
      ]);
    },
  };
}

/** The same promise, marked handled: when one of the two races rejects, the other may too, unobserved. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
