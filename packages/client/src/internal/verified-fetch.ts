// `repo.fetch(descriptor, handler)`: content streamed to the caller's handler, verified as it flows. A size or
// digest mismatch errors the stream, and then the call fails with it whatever the handler returned (a handler that
// swallowed the stream's error must not turn wrong content into a result).
import {
  checkAppend,
  checkComplete,
  createHasher,
  type Descriptor,
  passBytes,
  requireVerifiable,
} from "@toci/spec-types";
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
  const hasher = await createHasher(requireVerifiable(descriptor.digest));
  const body =
    typeof descriptor.data === "string"
      ? new Blob([base64Bytes(descriptor.data)]).stream()
      : await remote.get(descriptor, signal);
  let failure: unknown;
  let size = 0;
  // Counted and hashed as the handler reads, in one byte stream (byte-pass.ts): a handler reading with its own buffer
  // has it filled by the transport directly. A failure (of the content or of the body) is kept as well as thrown
  // into the stream.
  const verified = passBytes(body, {
    chunk(bytes) {
      checkAppend(descriptor, size, bytes.byteLength);
      hasher.update(bytes);
      size += bytes.byteLength;
    },
    end: () => checkComplete(descriptor, size, hasher),
    failed(error) {
      failure ??= error;
    },
  });
  let result: T;
  try {
    result = await handler(verified);
  } catch (error) {
    throw failure ?? error;
  } finally {
    await verified.cancel().catch(() => {});
  }
  if (failure) throw failure;
  return result;
}
