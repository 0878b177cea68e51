// The tar reader against GNU tar's four formats (an independent writer), and against every way a stranger's tar
// can be broken: each must end in a clear OciError, never a TypeError, a hang or a silent short read.
import { describe, expect, it } from "vitest";
import { BLOCK, F, putOctal, seal } from "../src/internal/tar-header.js";
import { readTar } from "../src/tar-reader.js";
import { bytesOf, codeOf, drainEntries, gnuTar, streamOf, type Tree } from "./helpers.js";

const long = `${"d".repeat(60)}/${"e".repeat(80)}/${"f".repeat(90)}.txt`; // 233 bytes: ustar splits it at a slash
const tree: Tree = {
  "a.txt": "hello\n",
  empty: "",
  "dir/b.bin": new Uint8Array(70_000).map((_, i) => i % 251),
  "dir/link": { symlink: "../a.txt" },
  "dir/hard": { link: "a.txt" },
  [long]: "deep\n",
};

async function entriesOf(tar: Uint8Array, chunk?: number) {
  return drainEntries(readTar(streamOf(tar, chunk)));
}

describe("readTar reads what GNU tar writes", () => {
  for (const format of ["gnu", "posix", "ustar"]) {
    it(`${format}: names (long ones too), types, sizes, modes, link targets and content`, async () => {
      const entries = await entriesOf(gnuTar(tree, { format }), 4093);
      const byPath = new Map(entries.map((e) => [e.path.replace(/^\.\//, "").replace(/\/$/, ""), e]));
      expect(byPath.get("a.txt")?.content).toEqual(new TextEncoder().encode("hello\n"));
      expect(byPath.get("empty")).toMatchObject({ type: "file", size: 0 });
      expect(byPath.get("dir")).toMatchObject({ type: "directory", size: 0 });
      expect(Buffer.from(byPath.get("dir/b.bin")!.content).equals(tree["dir/b.bin"] as Uint8Array)).toBe(true);
      expect(byPath.get("dir/link")).toMatchObject({ type: "symlink", linkTarget: "../a.txt" });
      const hard = byPath.get("dir/hard") ?? byPath.get("a.txt");
      expect([hard?.type, byPath.get("dir/hard")?.type]).toContain("link"); // GNU tar links the later name
      expect(byPath.get(long)?.content).toEqual(new TextEncoder().encode("deep\n"));
      expect(byPath.get("a.txt")?.mode).toBe(0o644);
    });
  }

  it("gnu and posix: names past 255 bytes (GNU ././@LongLink, PAX path) and non-ASCII names", async () => {
    const longer = `${"x".repeat(120)}/${"y".repeat(200)}`;
    const names: Tree = { [longer]: "1", "ünïcødé/日本.txt": "2", t: { symlink: `${"z".repeat(150)}/target` } };
    for (const format of ["gnu", "posix"]) {
      const entries = await entriesOf(gnuTar(names, { format }));
      const paths = entries.map((e) => e.path.replace(/^\.\//, ""));
      expect(paths).toContain(longer);
      expect(paths).toContain("ünïcødé/日本.txt");
      expect(entries.find((e) => e.type === "symlink")?.linkTarget).toBe(`${"z".repeat(150)}/target`);
    }
  });

  it("v7: directories are told by their trailing slash", async () => {
    const entries = await entriesOf(gnuTar({ "d/f": "x" }, { format: "v7" }));
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["./", "directory"],
      ["./d/", "directory"],
      ["./d/f", "file"],
    ]);
  });

  it("an empty stream is an empty archive; bytes after the end marker are read (a verifying source sees them all)", async () => {
    expect(await entriesOf(new Uint8Array(0))).toEqual([]);
    const tar = gnuTar({ f: "x" });
    let delivered = 0;
    const padded = new Uint8Array(tar.length + 10_000); // GNU tar pads to 10 KiB records; more zeros after
    padded.set(tar);
    const counted = streamOf(padded, 1000).pipeThrough(
      new TransformStream({
        transform(chunk, c) {
          delivered += chunk.byteLength;
          c.enqueue(chunk);
        },
      }),
    );
    await drainEntries(readTar(counted));
    expect(delivered).toBe(padded.length);
  });
});

/** A raw header, for what no well-behaved writer produces. */
function header(name: string, size: number, flag = "0", fields: (h: Uint8Array) => void = () => {}): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(new TextEncoder().encode(name), 0);
  putOctal(h, F.mode, 0o644);
  putOctal(h, F.size, size);
  h[156] = flag.charCodeAt(0);
  h.set(new TextEncoder().encode("ustar\u000000"), F.magic[0]);
  fields(h);
  seal(h);
  return h;
}

function archive(...parts: Uint8Array[]): Uint8Array {
  const padded = parts.map((p) =>
    p.length % BLOCK ? Uint8Array.of(...p, ...new Uint8Array(BLOCK - (p.length % BLOCK))) : p,
  );
  return Uint8Array.from(Buffer.concat([...padded, new Uint8Array(2 * BLOCK)]));
}

function pax(records: string): Uint8Array {
  return new TextEncoder().encode(records);
}

const read =
  (tar: Uint8Array, limits = {}) =>
  () =>
    drainEntries(readTar(streamOf(tar, 777), limits));

describe("readTar refuses broken and hostile archives with a clear OciError", () => {
  const good = gnuTar({ "a.txt": "hello", "b.txt": "x".repeat(3000) });

  it("a bad header checksum", async () => {
    const bad = Uint8Array.from(good);
    bad[BLOCK + 5] = bad[BLOCK + 5]! ^ 0x01; // a name byte of the first real entry
    expect(await codeOf(read(bad))).toBe("INVALID_ARGUMENT");
  });

  it("an archive cut inside a header, inside content, or before its end marker", async () => {
    const first = good.indexOf(0x68); // "hello"
    for (const at of [BLOCK + 100, first + 3, 2 * BLOCK + BLOCK * 2]) {
      expect(await codeOf(read(good.subarray(0, at)))).toBe("INVALID_ARGUMENT");
    }
  });

  it("lying sizes: more claimed than there is, or less (the next header is then garbage)", async () => {
    const more = archive(header("f", 5000), new Uint8Array(100)).subarray(0, BLOCK + 512);
    expect(await codeOf(read(more))).toBe("INVALID_ARGUMENT");
    const less = archive(header("f", 10), new Uint8Array(2000).fill(0x41), header("g", 0));
    expect(await codeOf(read(less))).toBe("INVALID_ARGUMENT");
  });

  it("caps: an entry, the whole tar, the number of entries (refused at the header, before content is read)", async () => {
    const huge = header("f", 0, "0", (h) => {
      h.fill(0, F.size[0], F.size[0] + 12);
      h[124] = 0x80; // GNU base-256: 2^40 bytes
      h[130] = 1;
    });
    expect(await codeOf(read(archive(huge)))).toBe("TOO_LARGE"); // not "truncated": refused before reading
    expect(await codeOf(read(good, { maxEntryBytes: 2999 }))).toBe("TOO_LARGE");
    expect(await codeOf(read(good, { maxTotalBytes: 4096 }))).toBe("TOO_LARGE");
    expect(await codeOf(read(good, { maxEntries: 2 }))).toBe("TOO_LARGE");
    expect(await codeOf(read(good, { maxEntries: 3, maxEntryBytes: 3000 }))).toBe("none");
  });

  it("malformed numbers: not octal, negative base-256", async () => {
    const notOctal = header("f", 0, "0", (h) => h.set(new TextEncoder().encode("00000000z09"), F.size[0]));
    expect(await codeOf(read(archive(notOctal)))).toBe("INVALID_ARGUMENT");
    const negative = header("f", 0, "0", (h) => h.fill(0xff, F.size[0], F.size[0] + 12));
    expect(await codeOf(read(archive(negative)))).toBe("INVALID_ARGUMENT");
  });

  it("PAX: malformed records, a size that is not an integer, oversized headers, GNU sparse", async () => {
    const cases: [Uint8Array, string][] = [
      [pax("5 path=a\n"), "INVALID_ARGUMENT"], // length does not cover the record
      [pax("12 path=abc"), "INVALID_ARGUMENT"], // no newline
      [pax("11 =nokey\n"), "INVALID_ARGUMENT"],
      [pax("13 size=-12\n"), "INVALID_ARGUMENT"],
      [pax("22 GNU.sparse.major=1\n"), "UNSUPPORTED"],
    ];
    for (const [records, code] of cases) {
      const tar = archive(header("PaxHeader", records.length, "x"), records, header("f", 0));
      expect(await codeOf(read(tar))).toBe(code);
    }
    const big = header("PaxHeader", 2 << 20, "x");
    expect(await codeOf(read(archive(big)))).toBe("TOO_LARGE");
    expect(await codeOf(read(archive(header("s", 0, "S"))))).toBe("UNSUPPORTED");
  });

  it("PAX records apply to the next entry only, and an empty value deletes one", async () => {
    const records = pax("18 path=long/name\n");
    const tar = archive(header("PaxHeader", records.length, "x"), records, header("short", 0), header("next", 0));
    const entries = await drainEntries(readTar(streamOf(tar)));
    expect(entries.map((e) => e.path)).toEqual(["long/name", "next"]);
    const reset = pax("18 path=long/name\n");
    const deleted = pax("8 path=\n");
    const twice = archive(
      header("P", reset.length, "x"),
      reset,
      header("P", deleted.length, "x"),
      deleted,
      header("own", 0),
    );
    expect((await drainEntries(readTar(streamOf(twice)))).map((e) => e.path)).toEqual(["own"]);
  });

  it("a directory, link or device with content is refused (readers would disagree on where the next header is)", async () => {
    expect(await codeOf(read(archive(header("d/", 512, "5"), new Uint8Array(512))))).toBe("INVALID_ARGUMENT");
    expect(
      await codeOf(
        read(
          archive(
            header("l", 10, "2", (h) => h.set([0x61], F.linkname[0])),
            new Uint8Array(10),
          ),
        ),
      ),
    ).toBe("INVALID_ARGUMENT");
  });

  it("content is read once, and only before the iteration moves on", async () => {
    const entries = readTar(streamOf(good));
    const first = (await entries.next()).value!;
    const stream = first.stream();
    expect(() => first.stream()).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    await entries.next(); // moves on: the unread content is skipped
    expect(await codeOf(() => bytesOf(stream))).toBe("INVALID_ARGUMENT");
    await entries.return(undefined);
  });

  it("an unread entry is skipped; the next one is intact", async () => {
    const paths: string[] = [];
    let last = "";
    for await (const entry of readTar(streamOf(good, 100))) {
      paths.push(entry.path);
      if (entry.path.endsWith("b.txt")) last = new TextDecoder().decode(await entry.bytes());
    }
    expect(paths.at(-1)).toMatch(/b\.txt$/);
    expect(last).toBe("x".repeat(3000));
  });

  it("a source that fails fails the read with its own error", async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(good.subarray(0, 1500));
      },
      pull(c) {
        c.error(Object.assign(new Error("disk"), { code: "EIO" }));
      },
    });
    expect(await codeOf(() => drainEntries(readTar(broken)))).toBe("INVALID_ARGUMENT");
  });
});
