// npm run bench -w @toci/archive (after a build): a SIZE_MIB (default 256) random-content image in an fsStore,
// each operation in a fresh process (wall time and peak RSS), ROUNDS (default 3) rounds, medians, beside the tool
// that does the same: GNU tar for reading the layer, skopeo for archives out and in.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [op, ...args] = process.argv.slice(2);
if (op) {
  await runOp(op, args);
  process.exit(0);
}

const SIZE_MIB = Number(process.env.SIZE_MIB ?? 256);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toci-archive-bench-"));
const layout = path.join(dir, "layout");
const { writeLargeLayerImage } = await import("@toci/testkit/fixtures");
const image = await writeLargeLayerImage(layout, { size: SIZE_MIB * 1024 * 1024, tag: "big" });
const layer = path.join(layout, "blobs", "sha256", image.layers[0].digest.slice(7));
const self = new URL(import.meta.url).pathname;

/** Runs a command, returning wall ms and peak RSS in MiB (GNU time is not assumed: node measures its child). */
function measure(command, argv) {
  const t0 = process.hrtime.bigint();
  const ours = command === process.execPath;
  const result = spawnSync(command, argv, { stdio: ["ignore", ours ? "pipe" : "ignore", "inherit"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${argv.join(" ")} failed`);
  const reported = ours ? JSON.parse(result.stdout.toString()) : {};
  return { ms, rss: reported.rss };
}

const cases = [
  [
    "layerFiles: read every byte of the layer",
    () => measure(process.execPath, [self, "layer", layer]),
    () => measure("tar", ["-xzOf", layer]),
  ],
  [
    "imageFile: stream the layer's file",
    () => measure(process.execPath, [self, "file", layout]),
    () => measure("tar", ["-xzOf", layer, "large-layer1.bin"]),
  ],
  [
    "exportArchive oci to a file",
    () => measure(process.execPath, [self, "export", layout, path.join(dir, "t.tar")]),
    () => {
      fs.rmSync(path.join(dir, "s.tar"), { force: true });
      return measure("skopeo", ["copy", "-q", `oci:${layout}:big`, `oci-archive:${path.join(dir, "s.tar")}`]);
    },
  ],
  [
    "importArchive of that file",
    () => {
      fs.rmSync(path.join(dir, "in-t"), { recursive: true, force: true });
      return measure(process.execPath, [self, "import", path.join(dir, "t.tar"), path.join(dir, "in-t")]);
    },
    () => {
      fs.rmSync(path.join(dir, "in-s"), { recursive: true, force: true });
      return measure("skopeo", [
        "copy",
        "-q",
        `oci-archive:${path.join(dir, "t.tar")}`,
        `oci:${path.join(dir, "in-s")}:big`,
      ]);
    },
  ],
];

console.log(
  `node ${process.version}, ${SIZE_MIB} MiB layer (random, gzip), ${ROUNDS} rounds, medians (wall ms; toci peak RSS)`,
);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, toci, tool] of cases) {
  const ours = [];
  const theirs = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(toci());
    theirs.push(tool());
  }
  const a = median(ours.map((x) => x.ms));
  const b = median(theirs.map((x) => x.ms));
  console.log(
    `${name.padEnd(42)} toci ${a.toFixed(0).padStart(6)} ms (${(SIZE_MIB / (a / 1000)).toFixed(0)} MiB/s, RSS ${median(ours.map((x) => x.rss)).toFixed(0)} MiB)` +
      `  tool ${b.toFixed(0).padStart(6)} ms  ratio ${(a / b).toFixed(2)}`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });

async function runOp(what, argv) {
  const { exportArchive, imageFile, importArchive, layerFiles } = await import("@toci/archive");
  const { fsStore } = await import("@toci/store-fs");
  const drain = async (stream) => {
    const reader = stream.getReader();
    while (!(await reader.read()).done);
  };
  if (what === "layer") {
    const blob = await fs.openAsBlob(argv[0]);
    for await (const entry of layerFiles(blob.stream(), "application/vnd.oci.image.layer.v1.tar+gzip"))
      await drain(entry.stream());
  } else if (what === "file") {
    const file = await imageFile(await fsStore(argv[0]), "big", "large-layer1.bin");
    await drain(file.stream());
  } else if (what === "export") {
    const { Writable } = await import("node:stream");
    await (await exportArchive(await fsStore(argv[0]), "big")).pipeTo(Writable.toWeb(fs.createWriteStream(argv[1])));
  } else if (what === "import") {
    await importArchive(await fsStore(argv[1]), await fs.openAsBlob(argv[0]));
  }
  process.stdout.write(JSON.stringify({ rss: process.resourceUsage().maxRSS / 1024 }));
}
