// The README's first ```ts block (its `// main.ts` example, which the install test builds too) is code that gets run: written next to this file, imported in Chromium (vite
// resolves its package imports as a bundler would), and its console output checked.
import { expect, it } from "vitest";
import { commands } from "vitest/browser";
import { removeStore } from "./suite-setup.js";

it("runs the README example", async () => {
  // Paths of vitest's file commands are relative to the package (the vite root).
  const readme = await commands.readFile("README.md");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const file = `readme-example-${Date.now()}.generated.ts`;
  await commands.writeFile(`test-browser/${file}`, code as string);
  const logged: unknown[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => logged.push(...args);
  try {
    await import(/* @vite-ignore */ `./${file}`);
  } finally {
    console.log = log;
    await commands.removeFile(`test-browser/${file}`);
    await removeStore("demo");
  }
  expect(logged).toEqual(["hello from OPFS"]);
});
