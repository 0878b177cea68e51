// Decompression: told by the first bytes (gzip, zstd in one or several frames, plain), refused clearly when it is
// something else (xz, bzip2, encrypted), when it is corrupt, or when it expands past the caps; a failing source's
// own error comes through.
import fs from "node:fs";
import { gzipSync } from "node:zlib";
import { OciError } from "@toci/spec-types";
import { seededBytes, tarHeader } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { compressionOf, decompress } from "../src/decompress.js";
import { layerFiles } from "../src/layer-files.js";
import { bytesOf, codeOf, drainEntries, streamOf } from "./helpers.js";

const fixture = (name: string) => new Uint8Array(fs.readFileSync(new URL(`fixtures/${name}`, import.meta.url)));
const layer = fixture("layer.tar");

describe("decompress", () => {
  it("gzip, zstd (one frame, two frames), and plain bytes give back the same tar", async () => {
    for (const input of [gzipSync(layer), fixture("layer.tar.zst"), fixture("multi.tar.zst"), layer]) {
      const out = await bytesOf(decompress(streamOf(input, 333), "application/vnd.oci.image.layer.v1.tar"));
      expect(out.length).toBe(layer.length);
      expect(Buffer.from(out).equals(Buffer.from(layer))).toBe(true);
    }
  });

  it("layerFiles reads a zstd layer's files", async () => {
    const entries = await drainEntries(
      layerFiles(streamOf(fixture("layer.tar.zst"), 1000), "application/vnd.oci.image.layer.v1.tar+zstd"),
    );
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["docs", "directory"],
      ["docs/readme.txt", "file"],
      ["link", "symlink"],
      ["random.bin", "file"],
    ]);
    expect(new TextDecoder().decode(entries[1]!.content)).toMatch(/^line 1 of a text file/);
  });

  it("xz, bzip2 and encrypted layers are UNSUPPORTED, with the reason", async () => {
    const xz = Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2);
    const bz = new TextEncoder().encode("BZh91AY&SY");
    for (const input of [xz, bz]) {
      const error = await bytesOf(decompress(streamOf(input), "application/octet-stream")).catch((e) => e);
      expect(error).toMatchObject({ code: "UNSUPPORTED", message: expect.stringMatching(/xz|bzip2/) });
    }
    expect(() => decompress(streamOf(layer), "application/vnd.oci.image.layer.v1.tar+gzip+encrypted")).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED" }),
    );
  });

  it("corrupt gzip and zstd are INVALID_ARGUMENT", async () => {
    const gz = gzipSync(layer);
    gz[gz.length - 6] = (gz[gz.length - 6]! + 1) & 0xff; // the CRC
    const zst = fixture("layer.tar.zst");
    zst[7] = zst[7]! | 0x06; // the first block header (after a 7-byte frame header): the reserved block type
    // (fzstd does not check zstd's content checksum: a flipped payload byte is caught by the blob's digest instead)
    for (const input of [gz, gz.subarray(0, 100), zst, fixture("layer.tar.zst").subarray(0, 1000)]) {
      expect(await codeOf(() => bytesOf(decompress(streamOf(input), "x/y")))).toBe("INVALID_ARGUMENT");
    }
  });

  it("a zstd frame asking for a window over the cap is refused before the decoder sees it", async () => {
    // Frame header by hand (RFC 8878 §3.1.1): magic, descriptor 0x00 (no single segment, no checksum), window
    // descriptor, then one last raw block of "hello".
    const frame = (windowDescriptor: number) =>
      Uint8Array.of(
        0x28,
        0xb5,
        0x2f,
        0xfd,
        0x00,
        windowDescriptor,
        0x29,
        0x00,
        0x00,
        ...new TextEncoder().encode("hello"),
      );
    const small = await bytesOf(decompress(streamOf(frame(0x00)), "x/y")); // 1 KiB window
    expect(new TextDecoder().decode(small)).toBe("hello");
    const huge = frame((31 - 10) << 3); // 2 GiB: fzstd would allocate it
    const error = await bytesOf(decompress(streamOf(huge), "x/y")).catch((e) => e);
    expect(error).toMatchObject({ code: "TOO_LARGE", detail: { limit: 128 * 1024 * 1024 } });
    expect(await codeOf(() => bytesOf(decompress(streamOf(frame(0x00)), "x/y", { maxWindowBytes: 512 })))).toBe(
      "TOO_LARGE",
    );
  });

  it("a zstd bomb (4685 bytes → 150 MB of zeros) is refused past the expansion cap", async () => {
    const error = await drainEntries(
      layerFiles(streamOf(fixture("zeros.tar.zst")), "application/vnd.oci.image.layer.v1.tar+zstd"),
    ).catch((e) => e);
    expect(error).toMatchObject({ code: "TOO_LARGE", message: expect.stringContaining("1100:1") });
  }, 60_000);

  it("a gzip bomb is refused by the total cap, and by a lower ratio", async () => {
    const zeros = gzipSync(new Uint8Array(66 * 1024 * 1024), { level: 1 }); // past the 64 MiB grace; ~300 KB
    expect(zeros.length).toBeLessThan(1_000_000);
    expect(await codeOf(() => bytesOf(decompress(streamOf(zeros), "x/y")))).toBe("none"); // deflate stays under 1032:1
    expect(await codeOf(() => bytesOf(decompress(streamOf(zeros), "x/y", { maxRatio: 100 })))).toBe("TOO_LARGE");
    const bomb = layerFiles(streamOf(zeros), "x/y", { maxTotalBytes: 10 * 1024 * 1024 });
    expect(await codeOf(() => drainEntries(bomb))).toBe("TOO_LARGE"); // zeros: an empty tar, then padding past the cap
    const tarBomb = gzipSync(Buffer.concat([tarHeaderOf(70 * 1024 * 1024), new Uint8Array(1024 * 1024)]));
    const capped = layerFiles(streamOf(tarBomb), "x/y", { maxTotalBytes: 10 * 1024 * 1024 });
    expect(await codeOf(() => drainEntries(capped))).toBe("TOO_LARGE");
  }, 60_000);

  it("a source's own error comes through as it is (a store's DIGEST_MISMATCH stays one)", async () => {
    const mismatch = new OciError("DIGEST_MISMATCH", "expected sha256:…");
    for (const input of [gzipSync(layer), fixture("layer.tar.zst"), layer]) {
      const source = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(input.subarray(0, 2000));
        },
        pull(c) {
          c.error(mismatch);
        },
      });
      const error = await drainEntries(layerFiles(source, "x/y")).catch((e) => e);
      expect(error).toBe(mismatch);
    }
  });

  it("backpressure: a slow reader holds the gzip input back (Node 20's DecompressionStream alone takes it all)", async () => {
    const gz = gzipSync(seededBytes("backpressure", 16 * 1024 * 1024), { level: 1 }); // random: gzip keeps its size
    let taken = 0;
    const source = streamOf(gz, 64 * 1024).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          taken += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    const reader = decompress(source, "x/y").getReader();
    let read = 0;
    while (read < 1024 * 1024) read += (await reader.read()).value!.byteLength;
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for an eager decoder to swallow the rest
    expect(taken).toBeLessThan(gz.length / 4); // 1 MiB read: a few 64 KiB chunks taken, not most of the file
    await reader.cancel();
  }, 60_000);

  it("compressionOf tells the kinds apart by their magic", () => {
    expect(compressionOf(gzipSync(layer).subarray(0, 6))).toBe("gzip");
    expect(compressionOf(fixture("layer.tar.zst").subarray(0, 6))).toBe("zstd");
    expect(compressionOf(layer.subarray(0, 6))).toBe("none");
  });
});

function tarHeaderOf(size: number): Uint8Array {
  return tarHeader("zeros", size);
}
