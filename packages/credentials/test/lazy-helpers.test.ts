// node:child_process is loaded only when a credential helper runs: a process that reads credentials from `auths`
// (or never asks for any) does not pay for loading it at start-up.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { base64, configDir, fileHelper, helperEntry, tempDir } from "./helpers.js";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Asks `host` of a provider over `config` in a new process; prints the answer's user and whether child_process loaded. */
async function inProcess(dir: string, host: string, helpers: Record<string, string> = {}): Promise<string> {
  const options = JSON.stringify({ configDir: dir, helpers });
  const script = `
    const { dockerCredentials } = await import(${JSON.stringify(dist)});
    const answer = await dockerCredentials(${options})(${JSON.stringify(host)});
    console.log(answer?.username, process.moduleLoadList.includes("NativeModule child_process"));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
  return stdout.trim();
}

it("reads credentials from auths without loading node:child_process; loads it to run a helper", async () => {
  const plain = configDir({ auths: { "r.example": { auth: base64("me:s") } } });
  expect(await inProcess(plain, "r.example")).toBe("me false");
  const store = tempDir();
  helperEntry(store, "h.example", "helped", "s");
  const helped = configDir({ credHelpers: { "h.example": "file" } });
  expect(await inProcess(helped, "h.example", { file: fileHelper(store) })).toBe("helped true");
});
