// The README's example is code that gets run: its first ```js block is executed as a module of this package.
import { runReadmeExample } from "@toci/testkit/readme";
import { expect, it } from "vitest";

it("runs the README example", async () => {
  const stdout = await runReadmeExample(new URL("../README.md", import.meta.url), new URL("./", import.meta.url));
  expect(stdout).not.toMatch(/false/);
  expect(stdout.length).toBeGreaterThan(0);
}, 30_000);
