// Bytes to stdout (`toci cat`, `toci export -o -`), at the pace stdout takes them. A reader that goes away (`| head`)
// ends the copy quietly: that is how pipes end, not a failure.
import { OciError } from "@toci/spec-types";

/** Copies a stream to stdout; resolves when all of it is written or the reader closed the pipe. */
export async function toStdout(stream: ReadableStream<Uint8Array>): Promise<void> {
  const stdout = process.stdout;
  let failure: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    failure = error;
    wake?.();
  };
  const onDrain = () => wake?.();
  stdout.on("error", onError);
  stdout.on("drain", onDrain);
  const reader = stream.getReader();
  try {
    for (;;) {
      if (failure) {
        await reader.cancel().catch(() => {});
        if (failure.code === "EPIPE") return;
        throw new OciError("INVALID_ARGUMENT", `cannot write to stdout: ${failure.message}`, { cause: failure });
      }
      const { done, value } = await reader.read();
      if (done) return;
      if (!stdout.write(value)) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stdout.off("error", onError);
    stdout.off("drain", onDrain);
    reader.releaseLock();
  }
}
