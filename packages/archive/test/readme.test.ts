// The README's example is code that gets run: an image made of an oras directory layer, listed, one file read
// through a symlink, exported as a docker archive and imported back with the same digest.
import { runReadmeExample } from "@toci/testkit/readme";
import { expect, it } from "vitest";

it("runs the README example", async () => {
  const stdout = await runReadmeExample(new URL("../README.md", import.meta.url), new URL("./", import.meta.url));
  expect(stdout).toContain("symlink app/latest");
  expect(stdout).toContain('app/hello.txt "hello, world\\n"');
  expect(stdout).toContain("true registry.example/app:v1");
}, 30_000);
