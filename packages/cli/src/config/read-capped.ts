// Reading a small file a user named (the configuration, a PEM file it points at): a regular file, read to its end
// but never past a cap, so that a FIFO, a device or a huge file is refused instead of read whole.
import { open } from "node:fs/promises";
import { OciError } from "@toci/spec-types";

/** The text of `path`, at most `max` bytes; `what` starts every error message. ENOENT errors keep their code. */
export async function readCapped(path: string, max: number, what: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new OciError("INVALID_ARGUMENT", `${what}: ${path} is not a regular file`);
    if (stat.size > max) throw new OciError("TOO_LARGE", `${what}: ${path} is larger than ${max} bytes`);
    // Read to the end, never past the cap: the file may grow after the stat.
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw new OciError("TOO_LARGE", `${what}: ${path} is larger than ${max} bytes`);
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    await handle.close();
  }
}
