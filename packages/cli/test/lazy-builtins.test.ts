// What a pull loads of Node: the modules only some commands use (rolldown.config.mjs LAZY_BUILTINS) are not
// loaded by a pull from an anonymous registry, so that it does not pay for them at start-up.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { expect, it } from "vitest";
import { registries, tempDir, toci } from "./helpers.js";

it("a pull loads neither child_process, readline, http nor https", async () => {
  const { plain } = registries();
  const repo = `lazy/builtins-${process.pid}`;
  await pushFixture(ociImage({ seed: "lazy-builtins", layerSizes: [1024] }), { url: plain.url, repo, tag: "v1" });
  const dir = tempDir();
  const loaded = join(dir, "loaded.txt");
  const hook = join(dir, "hook.cjs");
  writeFileSync(
    hook,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join("\\n")));`,
  );
  const result = await toci(["pull", `${plain.host}/${repo}:v1`, "--store", join(dir, "store")], {
    env: { NODE_OPTIONS: `--require ${hook}` },
  });
  expect(result.code, result.stderr).toBe(0);
  const modules = readFileSync(loaded, "utf8").split("\n");
  expect(modules).toContain("NativeModule net");
  for (const name of ["child_process", "readline", "http", "https"]) {
    expect(modules, name).not.toContain(`NativeModule ${name}`);
  }
});
