// README examples are code that runs: the packages' tests take a ```js block out of their README and run it with
// Node, inside the package (so that the package's own name resolves to its built dist), against a server that
// answers like a registry's /v2/ (with a Warning, to show the hook) or against a real registry.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Options of {@link runReadmeBlock}. */
export interface ReadmeBlockOptions {
  /** The README. */
  readme: URL;
  /** A directory inside the package, where the block is written for the run (and removed after). */
  dir: URL;
  /** The block is the first ```js block after the first match of this pattern. @default the first block */
  after?: RegExp;
  /** Environment for the run, on top of this process's (a value `undefined` removes a variable). */
  env?: Record<string, string | undefined>;
}

/** Runs a README block with Node; resolves its code, stdout and stderr, rejects when it exits non-zero. */
export async function runReadmeBlock(
  options: ReadmeBlockOptions,
): Promise<{ code: string; stdout: string; stderr: string }> {
  const readme = await readFile(options.readme, "utf8");
  const from = options.after ? readme.search(options.after) : 0;
  const code = from < 0 ? undefined : /```js\n([\s\S]*?)```/.exec(readme.slice(from))?.[1];
  if (code === undefined) throw new Error(`no js block in ${options.readme.pathname}`);
  const file = fileURLToPath(new URL(`./.readme-block-${process.pid}.tmp.mjs`, options.dir));
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  try {
    await writeFile(file, code);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], { env });
    return { code, stdout, stderr };
  } finally {
    await rm(file, { force: true });
  }
}

/** Runs `use` with the URL of a server that answers every request like a registry's /v2/, with a Warning. */
export async function withRegistryDouble<T>(use: (url: string) => Promise<T>): Promise<T> {
  const server = createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json",
      "docker-distribution-api-version": "registry/2.0",
      warning: '299 - "this registry is a test double"',
    });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

/**
 * Runs the first ```js block of the README at `readmeUrl` with node, from `dirUrl` (a test folder of the package),
 * and resolves with what it printed. Rejects when there is no such block, or when the example fails.
 */
export async function runReadmeExample(readmeUrl: URL, dirUrl: URL): Promise<string> {
  return (await runReadmeBlock({ readme: readmeUrl, dir: dirUrl })).stdout;
}
