// npm run bench (-w @toci/bench): toci as a user runs it (the CLI bundle, a whole process) against skopeo (fresh
// blob-info cache) and, for pulls, the ceiling prototype (for pushes to a new repository, the floor: raw POST + PUT of
// each blob), on a local distribution 2.8.2; then metadata latency of the
// client against raw node:http keep-alive, and the transports alone. Each round runs every tool of a row once, in
// a rotated order; the report gives every round, the medians, the median of per-round ratios and peak RSS, and is
// written to bench-results/bench.md.
//   ROUNDS=5            rounds per row
//   BIG_MIB=256         size of each of the 4 layers of "big" (SIZE_MIB is read too)
//   BENCH=pull,push,meta,transport   the groups to run
//   ROW=many            only these rows of the pull and push groups (comma-separated): big, many, index (pulls);
//                       push-big, push-many, repush, copy (pushes). Only the images they need are built.
//   TOCI_BEFORE=<path>  a second @toci/transport-node build (its dist/index.js) for the transport group's "before"
//   TOCI_BEFORE_BIN=<path>  another toci CLI bundle (its dist-bin/toci.cjs), run as "before" in the pull rows
//   TOCI_BIN=<path>     another CLI bundle (a copy of packages/cli/dist-bin/toci.cjs) as "toci", e.g. a "before" build
//   BENCH_KEEP_EXTRA_CA=1  run the tools with NODE_EXTRA_CA_CERTS as set (left out by default: lib/measure.mjs)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry } from "@toci/testkit/registry";
import { buildImages, skopeoCommand, TAG } from "./lib/images.mjs";
import { extraCaKept, extraCaSet, report, row } from "./lib/measure.mjs";
import { metadataRows } from "./meta.mjs";
import { transportRows } from "./transport.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BIG = Number(process.env.BIG_MIB ?? process.env.SIZE_MIB ?? 256) * 1024 * 1024;
const GROUPS = new Set((process.env.BENCH ?? "pull,push,meta,transport").split(","));
const ROWS = process.env.ROW ? new Set(process.env.ROW.split(",")) : undefined;
/** Whether the row `key` runs (every row when ROW is not set). */
const wanted = (key) => !ROWS || ROWS.has(key);
/** The images each row needs. */
const NEEDS = {
  big: "big",
  many: "many",
  index: "multi",
  "push-big": "big",
  "push-many": "many",
  repush: "many",
  copy: "big",
};
const tociBin =
  process.env.TOCI_BIN ??
  join(dirname(createRequire(import.meta.url).resolve("@toci/cli/package.json")), "dist-bin/toci.cjs");

const work = mkdtempSync(join(tmpdir(), "toci-bench-"));
const registry = await startRegistry({});
const host = registry.host;
const pulls = [];
const others = [];
let metaLines = [];
let transportLines = [];
try {
  const images = ROWS ? new Set([...ROWS].map((key) => NEEDS[key]).filter(Boolean)) : undefined;
  const { layouts, sizes } = await buildImages(work, registry, BIG, images);
  const skopeo = skopeoCommand(work);
  const toci = (...args) => ["node", [tociBin, ...args]];
  const beforeBin = process.env.TOCI_BEFORE_BIN;
  /** The "before" tool of a pull row, when another bundle was given. */
  const before = (command) => (beforeBin ? { before: outDir((dir) => ["node", [beforeBin, ...command(dir)]]) } : {});
  const outDir = (command) => () => {
    const dir = mkdtempSync(join(work, "out-"));
    return { command: command(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };
  const mib = BIG >> 20;

  if (GROUPS.has("pull")) {
    for (const [label, image] of [
      [`pull 4 × ${mib} MiB`, "big"],
      ["pull 200 × 64 KiB", "many"],
    ]) {
      if (!wanted(image)) continue;
      pulls.push(
        row(
          label,
          sizes[image],
          {
            toci: outDir((dir) => toci("pull", `${host}/${image}:${TAG}`, "--store", dir)),
            ...before((dir) => ["pull", `${host}/${image}:${TAG}`, "--store", dir]),
            skopeo: outDir((dir) =>
              skopeo(
                "copy",
                "-q",
                "--all",
                "--src-tls-verify=false",
                `docker://${host}/${image}:${TAG}`,
                `oci:${dir}:${TAG}`,
              ),
            ),
            ceiling: outDir((dir) => ["node", [join(here, "ceiling-pull.mjs"), `${host}/${image}:${TAG}`, dir]]),
          },
          ROUNDS,
        ),
      );
    }
    // The ceiling pulls every platform of an index (as copy --all), so this row is toci against skopeo only.
    const platform = ["--override-arch", "arm64", "--override-os", "linux", "--src-tls-verify=false"];
    if (wanted("index"))
      pulls.push(
        row(
          "pull one platform of a small index (linux/arm64, 3 × 16 MiB)",
          sizes.multiArm,
          {
            toci: outDir((dir) => toci("pull", `${host}/multi:${TAG}`, "--platform", "linux/arm64", "--store", dir)),
            ...before((dir) => ["pull", `${host}/multi:${TAG}`, "--platform", "linux/arm64", "--store", dir]),
            skopeo: outDir((dir) =>
              skopeo("copy", "-q", ...platform, `docker://${host}/multi:${TAG}`, `oci:${dir}:${TAG}`),
            ),
          },
          ROUNDS,
        ),
      );
  }

  if (GROUPS.has("push")) {
    let n = 0;
    const fresh = (command) => () => ({ command: command(`fresh-${n++}`) });
    const skopeoPush = (layout, repo) =>
      skopeo(
        "copy",
        "-q",
        "--all",
        "--dest-tls-verify=false",
        `oci:${layout}:${TAG}`,
        `docker://${host}/${repo}:${TAG}`,
      );
    const tociPush = (layout, repo) => toci("push", `${host}/${repo}:${TAG}`, "--store", layout, "--from", TAG);
    for (const [label, image, key] of [
      [`push 4 × ${mib} MiB to a new repository`, "big", "push-big"],
      ["push 200 × 64 KiB to a new repository", "many", "push-many"],
    ]) {
      if (!wanted(key)) continue;
      others.push(
        row(
          label,
          sizes[image],
          {
            toci: fresh((repo) => tociPush(layouts[image], repo)),
            skopeo: fresh((repo) => skopeoPush(layouts[image], repo)),
            floor: fresh((repo) => ["node", [join(here, "floor-push.mjs"), `${host}/${repo}:${TAG}`, layouts[image]]]),
          },
          ROUNDS,
          registry.pid,
        ),
      );
    }
    if (wanted("repush"))
      others.push(
        row(
          "no-op re-push of 200 × 64 KiB where it already is",
          0,
          {
            toci: () => ({ command: tociPush(layouts.many, "many") }),
            skopeo: () => ({ command: skopeoPush(layouts.many, "many") }),
          },
          ROUNDS,
          registry.pid,
        ),
      );
    const flags = ["--src-tls-verify=false", "--dest-tls-verify=false"];
    if (wanted("copy"))
      others.push(
        row(
          `copy 4 × ${mib} MiB between repositories of one registry`,
          sizes.big,
          {
            toci: fresh((repo) => toci("copy", `${host}/big:${TAG}`, `${host}/${repo}:${TAG}`)),
            skopeo: fresh((repo) =>
              skopeo("copy", "-q", "--all", ...flags, `docker://${host}/big:${TAG}`, `docker://${host}/${repo}:${TAG}`),
            ),
          },
          ROUNDS,
        ),
      );
  }

  if (GROUPS.has("meta")) metaLines = await metadataRows(registry.url, ROUNDS);
  if (GROUPS.has("transport")) transportLines = await transportRows(registry.url, work, ROUNDS);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}

const lines = [
  `# toci bench (${ROUNDS} rounds, rotated order; whole processes; MB/s = 10^6 B/s; node ${process.version}; ${new Date().toISOString()})`,
  "",
  ...(extraCaSet
    ? [
        extraCaKept
          ? "NODE_EXTRA_CA_CERTS is set and kept (BENCH_KEEP_EXTRA_CA=1): every Node process parses it as it starts."
          : "NODE_EXTRA_CA_CERTS is set here and left out of the tools' environment (every Node process would parse it as it starts, ~50 ms on this machine; BENCH_KEEP_EXTRA_CA=1 keeps it).",
        "",
      ]
    : []),
  ...report(pulls, { first: "toci", against: ["ceiling", "skopeo", "before"] }),
  ...report(others, { first: "toci", against: ["floor", "skopeo"], also: [["floor", "skopeo"]] }),
  ...metaLines,
  ...transportLines,
];
console.log(lines.join("\n"));
const out = join(here, "../../bench-results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "bench.md"), `${lines.join("\n")}\n`);
