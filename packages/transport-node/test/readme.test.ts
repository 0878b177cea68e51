// The README's example is code that runs: its first ```js block is executed with Node against a local server that
// answers like a registry's /v2/ (with a Warning, to show the hook).
import { runReadmeBlock, withRegistryDouble } from "@toci/testkit/readme";
import { expect, it } from "vitest";

it("the README example runs", async () => {
  const { code, stdout, stderr } = await withRegistryDouble((registry) =>
    runReadmeBlock({
      readme: new URL("../README.md", import.meta.url),
      dir: new URL(".", import.meta.url),
      env: { REGISTRY: registry },
    }),
  );
  expect(code).toContain('from "@toci/transport-node"');
  expect(stdout).toBe("200 registry/2.0\n2 bytes\n");
  expect(stderr).toBe("registry says: this registry is a test double\n");
}, 30_000);
