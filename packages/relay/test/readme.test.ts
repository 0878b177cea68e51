// The README's example is code that gets run: its first ```js block is executed as a module of this package.
import { runReadmeExample } from "@toci/testkit/readme";
import { expect, it } from "vitest";

it("runs the README example: a relay on a free port answers a preflight itself", async () => {
  const stdout = await runReadmeExample(new URL("../README.md", import.meta.url), new URL("./", import.meta.url));
  expect(stdout).toMatch(/^relay on http:\/\/127\.0\.0\.1:\d+; ghcr\.io is at /);
  expect(stdout).toMatch(/\n204 true\n$/);
}, 30_000);
