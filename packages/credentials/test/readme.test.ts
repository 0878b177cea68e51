// The README's example is code that runs: its first ```js block is executed with Node, and prints what the README
// says it prints.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the README example runs and prints what the README shows", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  const printed = /It prints:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toContain('from "@toci/credentials"');
  // Inside the package, so that "@toci/credentials" resolves to this package (self-reference, built dist).
  const file = fileURLToPath(new URL("./.readme-example.tmp.mjs", import.meta.url));
  try {
    await writeFile(file, code!);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file]);
    expect(stderr).toBe("");
    expect(stdout).toBe(printed);
  } finally {
    await rm(file, { force: true });
  }
});
