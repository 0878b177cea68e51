// The README's example is code that gets run: its first ```js block is executed as a module of this package.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("runs the README example", async () => {
  const readme = await readFile(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const file = fileURLToPath(new URL(`./readme-example-${process.pid}.mjs`, import.meta.url));
  await writeFile(file, code as string);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    expect(stdout).not.toMatch(/false/);
    expect(stdout.length).toBeGreaterThan(0);
  } finally {
    await rm(file, { force: true });
  }
}, 30_000);
