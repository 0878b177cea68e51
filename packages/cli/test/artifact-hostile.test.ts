// `toci artifact pull` of artifacts a stranger made: titles and tar entries that would write outside the target
// directory, collide by case, link out, create devices, bombs, lies about sizes and digests, and pulls interrupted
// half-way. Each refused pull exits 1 with a clear code and leaves the target exactly as it was (nothing written,
// nothing staged, nothing beside it); setuid bits are dropped from what is written.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OCI_LAYER_GZIP } from "@toci/spec-types";
import { blobOf, type FixtureBlob, type RawTarEntry, rawTar } from "@toci/testkit/fixtures";
import { delay, startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTENT_DIGEST,
  listTree,
  orasDirectory,
  orasFile,
  orasManifest,
  pushed,
  TITLE,
  UNPACK,
} from "./content-fixtures.js";
import { BIN, registries, tempDir, toci } from "./helpers.js";

const ARTIFACT = { artifactType: "application/vnd.example.hostile" };

/** A parent directory with an empty `out` in it (and `keep` beside), to see that nothing lands anywhere. */
function target(): { parent: string; out: string } {
  const parent = tempDir();
  fs.mkdirSync(path.join(parent, "out"));
  fs.writeFileSync(path.join(parent, "keep"), "keep");
  return { parent, out: path.join(parent, "out") };
}

/**
 * Pulls `layers` as an artifact into a fresh target; expects a refusal with `code`, and nothing written. `uploads`
 * replace the blobs of the same digest (a layer whose descriptor lies is uploaded as it really is).
 */
async function refused(layers: FixtureBlob[], code: string, uploads: FixtureBlob[] = []): Promise<string> {
  const fixture = orasManifest(layers, ARTIFACT);
  const real = new Map(uploads.map((b) => [b.descriptor.digest, b]));
  const ref = await pushed(
    { ...fixture, blobs: fixture.blobs.map((b) => real.get(b.descriptor.digest) ?? b) },
    "cli/hostile",
  );
  const { parent, out } = target();
  const result = await toci(["artifact", "pull", ref, "-o", out]);
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`error: ${code}:`);
  expect(listTree(parent)).toEqual(["keep", "out/"]);
  expect(fs.readFileSync(path.join(parent, "keep"), "utf8")).toBe("keep");
  return result.stderr;
}

/** An oras directory `d` holding `entries` (its own `d/` entry first). */
function dir(entries: RawTarEntry[], options: { contentDigest?: string } = {}): FixtureBlob {
  return orasDirectory("d", rawTar([{ name: "d/", type: "5", mode: 0o755 }, ...entries]), options);
}

describe.concurrent("hostile titles are refused before anything is fetched", () => {
  it.each([
    ["an absolute name", ["/tmp/evil"]],
    ["a .. name", ["../evil"]],
    ["a name that climbs out", ["a/../../evil"]],
    ["a backslash", ["a\\..\\evil"]],
    ["a NUL", ["a\u0000b"]],
    ["names that differ only by case", ["README", "readme"]],
    ["a name twice", ["x", "x"]],
  ])("%s", async (_what, titles) => {
    await refused(
      titles.map((t, i) => orasFile(t, `content ${i}`)),
      "INVALID_ARGUMENT",
    );
  });

  it("a file inside another title's directory", async () => {
    await refused([dir([{ name: "d/a", data: "a" }]), orasFile("d/x", "x")], "INVALID_ARGUMENT");
  });
});

describe.concurrent("hostile directory entries are refused, and nothing of the pull is kept", () => {
  it.each([
    ["a symlink out of the directory", [{ name: "d/evil", type: "2", linkname: "../../outside" }]],
    ["an absolute symlink", [{ name: "d/abs", type: "2", linkname: "/etc/passwd" }]],
    [
      "a path through an earlier symlink",
      [
        { name: "d/sub/", type: "5" },
        { name: "d/link", type: "2", linkname: "sub" },
        { name: "d/link/x", data: "through the link" },
      ],
    ],
    ["a hard link out of the directory", [{ name: "d/h", type: "1", linkname: "etc/passwd" }]],
    ["a hard link to nothing before it", [{ name: "d/h", type: "1", linkname: "d/later" }]],
    ["a character device", [{ name: "d/tty", type: "3" }]],
    ["a FIFO", [{ name: "d/fifo", type: "6" }]],
    ["an entry outside the directory's name", [{ name: "other/x", data: "x" }]],
    ["a .. component", [{ name: "d/../x", data: "x" }]],
    [
      "names that differ only by case",
      [
        { name: "d/A", data: "1" },
        { name: "d/a", data: "2" },
      ],
    ],
  ] as [string, RawTarEntry[]][])("%s", async (_what, entries) => {
    await refused(
      [orasFile("first.txt", "first"), dir([{ name: "d/ok", data: "ok" }, ...entries])],
      "INVALID_ARGUMENT",
    );
  });

  it("a tar whose entry claims more bytes than it holds (a lying size)", async () => {
    await refused([dir([{ name: "d/big", data: "ten bytes!", size: 100_000 }])], "INVALID_ARGUMENT");
  });

  it("a directory whose tar does not hash to io.deis.oras.content.digest", async () => {
    const wrong = `sha256:${"0".repeat(64)}`;
    const stderr = await refused([dir([{ name: "d/f", data: "f" }], { contentDigest: wrong })], "DIGEST_MISMATCH");
    expect(stderr).toContain(wrong);
  });

  it("a decompression bomb (4.7 kB of zstd → 150 MB) is refused at the expansion cap", async () => {
    const bomb = fs.readFileSync(new URL("./fixtures/dir-bomb.tar.zst", import.meta.url));
    const layer = blobOf(OCI_LAYER_GZIP, bomb, { annotations: { [TITLE]: "d", [UNPACK]: "true" } });
    await refused([layer], "TOO_LARGE");
  });

  it("a layer whose manifest lies about its size", async () => {
    const honest = orasFile("f.bin", "0123456789");
    const lying = { ...honest, descriptor: { ...honest.descriptor, size: 5 } };
    await refused([orasFile("first.txt", "first"), lying], "SIZE_MISMATCH", [honest]);
  });
});

describe.concurrent("what is written", () => {
  it("drops setuid, setgid and sticky bits", async () => {
    const ref = await pushed(
      orasManifest(
        [
          dir([
            { name: "d/suid", data: "#!/bin/sh\n", mode: 0o6755 },
            { name: "d/sticky/", type: "5", mode: 0o1777 },
          ]),
        ],
        ARTIFACT,
      ),
    );
    const { out } = target();
    expect((await toci(["artifact", "pull", ref, "-o", out])).code).toBe(0);
    const mode = fs.statSync(path.join(out, "d/suid")).mode;
    expect(mode & 0o7000).toBe(0);
    expect(mode & 0o100).toBe(0o100);
    expect(fs.statSync(path.join(out, "d/sticky")).mode & 0o7000).toBe(0);
  });

  it("never writes through a symlink or a file already in the target, even with --overwrite", async () => {
    const ref = await pushed(orasManifest([orasFile("docs/x.txt", "x")], ARTIFACT));
    const { parent, out } = target();
    const elsewhere = tempDir();
    fs.symlinkSync(elsewhere, path.join(out, "docs"));
    const result = await toci(["artifact", "pull", ref, "-o", out, "--overwrite"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is a symlink");
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(listTree(parent)).toEqual(["keep", "out/", "out/docs"]);
  });
});

describe("an interrupted pull leaves nothing that looks complete", () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: registries().plain.url });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it.each(["SIGINT", "SIGKILL"] as const)("%s while the second file is on its way", async (signal) => {
    const first = orasFile("first.txt", "the first file, complete");
    const second = orasFile("second.bin", new Uint8Array(200_000).fill(7));
    const ref = await pushed(orasManifest([first, second], ARTIFACT), "cli/interrupted");
    const viaProxy = ref.replace(registries().plain.host, proxy.host);
    const rule = proxy.on({ method: "GET", path: `/blobs/${second.descriptor.digest}` }, delay(60_000));
    const { parent, out } = target();
    const child = spawn(process.execPath, [BIN, "artifact", "pull", viaProxy, "-o", out], {
      env: { ...process.env, DOCKER_CONFIG: tempDir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // The first file is staged once the second is asked for.
    while (!proxy.requests.some((r) => r.path.includes(second.descriptor.digest))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill(signal);
    const code = await exited;
    rule.remove();
    expect(fs.existsSync(path.join(out, "first.txt"))).toBe(false);
    expect(fs.existsSync(path.join(out, "second.bin"))).toBe(false);
    if (signal === "SIGINT") {
      expect(code).toBe(130);
      expect(listTree(parent)).toEqual(["keep", "out/"]);
    } else {
      // Killed outright: only the hidden staging directory remains, with nothing under a final name.
      expect(fs.readdirSync(out).every((name) => name.startsWith(".toci-pull-"))).toBe(true);
    }
  });
});

describe("the content digest annotation", () => {
  it("is what the CLI checks after the last entry (a tar+gzip made elsewhere with the right digest passes)", async () => {
    const entries: RawTarEntry[] = [{ name: "d/f", data: "f" }];
    const good = dir(entries);
    expect(good.descriptor.annotations?.[CONTENT_DIGEST]).toMatch(/^sha256:/);
    const ref = await pushed(orasManifest([good], ARTIFACT));
    const { out } = target();
    expect((await toci(["artifact", "pull", ref, "-o", out])).code).toBe(0);
    expect(fs.readFileSync(path.join(out, "d/f"), "utf8")).toBe("f");
  });
});
