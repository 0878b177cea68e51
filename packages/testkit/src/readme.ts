// @toci/testkit/readme: a package README's example is code that gets run. Its first ```js block is written next
// to the test as a module of that package (so it imports the package by name) and run with node.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect } from "vitest";

/**
 * Runs the first ```js block of the README at `readmeUrl` from the directory of `testUrl`; returns its stdout, and
 * fails the test when the block is missing, throws, prints nothing or prints "false".
 */
export async function runReadmeExample(readmeUrl: URL, testUrl: string): Promise<string> {
  const readme = await readFile(fileURLToPath(readmeUrl), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const file = fileURLToPath(new URL(`./readme-example-${process.pid}.mjs`, testUrl));
  await writeFile(file, code as string);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    expect(stdout).not.toMatch(/false/);
    expect(stdout.length).toBeGreaterThan(0);
    return stdout;
  } finally {
    await rm(file, { force: true });
  }
}
