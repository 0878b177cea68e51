// A package README's example is code that gets run: its first ```js block, written next to the test as a module
// of that package (so that `@toci/*` imports resolve as they do for a user) and run with node.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Runs the first ```js block of the README at `readmeUrl` with node, from `dirUrl` (a test folder of the package),
 * and resolves with what it printed. Rejects when there is no such block, or when the example fails.
 */
export async function runReadmeExample(readmeUrl: URL, dirUrl: URL): Promise<string> {
  const readme = await readFile(fileURLToPath(readmeUrl), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) throw new Error(`${fileURLToPath(readmeUrl)} has no \`\`\`js block`);
  const file = fileURLToPath(new URL(`./readme-example-${process.pid}.mjs`, dirUrl));
  await writeFile(file, code);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    return stdout;
  } finally {
    await rm(file, { force: true });
  }
}
