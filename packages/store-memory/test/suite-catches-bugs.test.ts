// The conformance suite must be able to fail: each deliberately broken store in fixtures/ fails the case that
// guards its bug (and the correct memoryStore passes them all, in conformance.test.ts).
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

interface JsonReport {
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

it("fails every broken store on the case that guards its bug", async () => {
  const vitest = join(createRequire(import.meta.url).resolve("vitest/package.json"), "..", "vitest.mjs");
  const config = fileURLToPath(new URL("./fixtures/vitest.broken.config.ts", import.meta.url));
  const output = join(tmpdir(), `toci-broken-${process.pid}.json`);
  await promisify(execFile)(
    process.execPath,
    [vitest, "run", "--config", config, "--reporter=json", `--outputFile=${output}`],
    {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
    },
  ).catch(() => {}); // failing tests are the point: the exit code is 1
  const report = JSON.parse(await readFile(output, "utf8")) as JsonReport;
  await rm(output, { force: true });
  const failed = report.testResults.flatMap((r) => r.assertionResults).filter((a) => a.status === "failed");
  const names = failed.map((a) => a.fullName);
  const expectFailure = (store: string, test: string) =>
    expect(
      names.some((n) => n.includes(`Store conformance: ${store}`) && n.includes(test)),
      `${store}: ${test}`,
    ).toBe(true);
  expectFailure("trusts-digest", "refuses content that hashes to another digest");
  expectFailure("racy-tag", "loses no update when 50 tags are written at once");
  expectFailure("gc-ignores-referrers", "keeps everything reachable");
  expectFailure("abort-keeps-partial", "leaves nothing after abort");
  expectFailure("shares-fetched-chunks", "a consumer that writes into every chunk it reads changes nothing stored");
  // And nothing else is broken by the wrappers themselves: every failure belongs to one of the five bugs.
  expect(failed.length).toBeLessThanOrEqual(9);
}, 600_000); // the whole suite over every broken store in a child vitest: minutes on a loaded runner
