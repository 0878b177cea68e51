// Range requests on a stored file (RFC 9110 §14, https://www.rfc-editor.org/rfc/rfc9110#section-14): one range
// of bytes, as media elements and resumable downloads ask; several ranges get the whole file (a server may ignore
// Range, §14.2), which is simpler than multipart/byteranges and what every client accepts.

/** An inclusive byte range within a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks for in a file of `size` bytes: a range, `"unsatisfiable"` (answer 416), or
 * undefined (answer the whole file: no header, several ranges, or one that does not parse).
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === null) return undefined;
  const m = /^\s*bytes\s*=\s*(\d{0,16})\s*-\s*(\d{0,16})\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    // A suffix: the last N bytes.
    const length = Number(m[2]);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/**
 * The bytes `range` of a stream. Stores read from the start (the Store contract has no ranged read), so the bytes
 * before the range are read and dropped; the stream is cancelled once the range is sent.
 */
export function sliceStream(stream: ReadableStream<Uint8Array>, range: ByteRange): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let position = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        const from = position;
        position += value.byteLength;
        if (position <= range.start) continue;
        const slice = value.subarray(Math.max(0, range.start - from), Math.min(value.byteLength, range.end + 1 - from));
        controller.enqueue(slice);
        if (position > range.end) {
          controller.close();
          await reader.cancel().catch(() => {});
        }
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
