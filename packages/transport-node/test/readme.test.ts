// The README's example is code that runs: its first ```js block is executed with Node against a local server
// that answers like a registry's /v2/ (with a Warning, to show the hook).
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the README example runs", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toContain('from "@toci/transport-node"');
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json",
      "docker-distribution-api-version": "registry/2.0",
      warning: '299 - "this registry is a test double"',
    });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Inside the package, so that "@toci/transport-node" resolves to this package (self-reference, built dist).
  const file = fileURLToPath(new URL("./.readme-example.tmp.mjs", import.meta.url));
  try {
    await writeFile(file, code!);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
      env: { ...process.env, REGISTRY: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    });
    expect(stdout).toBe("200 registry/2.0\n2 bytes\n");
    expect(stderr).toBe("registry says: this registry is a test double\n");
  } finally {
    await rm(file, { force: true });
    server.close();
  }
});
