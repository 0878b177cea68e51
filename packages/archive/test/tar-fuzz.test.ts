// Fuzzing the tar reader: whatever bytes arrive (GNU tar archives with bytes flipped, cut, repeated or spliced,
// gzip of them, or noise), reading every entry either succeeds or fails with an OciError, never anything else.
import { gzipSync } from "node:zlib";
import { isOciError } from "@toci/spec-types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layerFiles } from "../src/layer-files.js";
import { readTar } from "../src/tar-reader.js";
import { drainEntries, gnuTar, streamOf } from "./helpers.js";

const seeds = [
  gnuTar({ "a.txt": "hello", "d/b": "x".repeat(700), "d/l": { symlink: "../a.txt" } }, { format: "gnu" }),
  gnuTar({ [`${"n".repeat(120)}/${"m".repeat(150)}`]: "long", "é/ü": "pax" }, { format: "posix" }),
  gnuTar({ "u/v/w": "ustar", "u/h": { link: "u/v/w" } }, { format: "ustar" }),
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("header" as const),
    block: fc.nat(8),
    offset: fc.nat(511),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 1100 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Uint8Array, ops: Mutation[]): Uint8Array {
  let bytes = Uint8Array.from(base);
  for (const op of ops) {
    if (bytes.length === 0) break;
    if (op.kind === "flip") bytes[op.at % bytes.length] = op.value;
    else if (op.kind === "header") bytes[(op.block * 512 + op.offset) % bytes.length] = op.value;
    else if (op.kind === "cut") bytes = bytes.subarray(0, op.at % (bytes.length + 1));
    else {
      const at = op.at % (bytes.length + 1);
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...op.bytes, ...bytes.subarray(at)]);
    }
  }
  return bytes;
}

async function onlyOciErrors(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    if (!isOciError(error)) throw error;
    return true;
  }
}

describe("fuzzed tar input", () => {
  it("readTar: mutated GNU tar archives never throw anything but OciError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(seeds.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 2000 }),
        async (seed, ops, chunk) => {
          const bytes = mutate(seeds[seed]!, ops);
          return onlyOciErrors(() => drainEntries(readTar(streamOf(bytes, chunk), { maxEntryBytes: 1 << 20 })));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("layerFiles: mutated gzip and raw noise never throw anything but OciError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(seeds.length - 1),
        fc.array(mutation, { maxLength: 4 }),
        fc.boolean(),
        async (seed, ops, gzip) => {
          const bytes = mutate(gzip ? gzipSync(seeds[seed]!) : seeds[seed]!, ops);
          return onlyOciErrors(() =>
            drainEntries(layerFiles(streamOf(bytes, 999), "application/vnd.oci.image.layer.v1.tar+gzip")),
          );
        },
      ),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (noise) =>
        onlyOciErrors(() => drainEntries(layerFiles(streamOf(noise, 500), "application/octet-stream"))),
      ),
      { numRuns: 200 },
    );
  });

  it("the fuzzer does reach the reader's error paths (it is not passing vacuously)", async () => {
    const cut = seeds[0]!.subarray(0, 700);
    await expect(drainEntries(readTar(streamOf(cut)))).rejects.toSatisfy(isOciError);
  });
});
