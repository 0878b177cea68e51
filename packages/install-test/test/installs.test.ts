// What the installs hold and how the packages load from them: the CLI alone, the trio without the wasm hasher,
// CommonJS require(), and the hasher's error where hash-wasm is missing outside Node.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sh } from "./project.js";
import { installInfo } from "./setup-info.js";
import { publishedPackages } from "./workspace.js";

const info = installInfo();
const published = publishedPackages();
const libraries = published.filter((p) => Object.hasOwn((p.pkg.exports ?? {}) as object, ".")).map((p) => p.pkg.name);

async function node(cwd: string, file: string, code: string): Promise<{ stdout: string; stderr: string }> {
  await writeFile(join(cwd, file), code);
  return sh(process.execPath, [file], { cwd });
}

describe("installs", () => {
  it("the CLI globally from its tarball alone: one package, nothing else to fetch", () => {
    expect(info.sizes.cli.names).toEqual(published.filter((p) => p.pkg.bin).map((p) => p.pkg.name));
  });

  it("the library trio for Node without hash-wasm (an optional peer dependency, for browsers)", () => {
    expect(info.sizes.trio.names).not.toContain("hash-wasm");
    expect(info.sizes.trio.names.filter((n) => !n.startsWith("@toci/"))).toEqual([]);
  });
});

describe("loading", () => {
  it("hashes in Node without hash-wasm (node:crypto)", async () => {
    const { stdout } = await node(
      info.trio,
      "hash.mjs",
      `import { digestOf, hasherImplementation } from "@toci/spec-types";
console.log(hasherImplementation, await digestOf(new TextEncoder().encode("hello")));\n`,
    );
    expect(stdout.trim()).toBe("node:crypto sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  });

  it("outside Node without hash-wasm, fails to hash with an OciError that says what to install", async () => {
    // The browser hasher, loaded by path: Node itself always takes the "node" condition of "#hasher".
    const { stdout } = await node(
      info.trio,
      "web-hash.mjs",
      `const web = await import("./node_modules/@toci/spec-types/dist/internal/hasher-web.js");
try { await web.createHasher("sha256"); console.log("hashed"); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }\n`,
    );
    const error = JSON.parse(stdout);
    expect(error).toMatchObject({ name: "OciError", code: "UNSUPPORTED" });
    expect(error.message).toContain("npm install hash-wasm");
  });

  it("require() from CommonJS gives what import gives (Node >= 20.19 loads ES modules from require)", async () => {
    const { stdout } = await node(
      info.app,
      "require.cjs",
      `const names = ${JSON.stringify(libraries)};
(async () => {
  const out = {};
  for (const name of names) {
    const required = Object.keys(require(name)).sort();
    const imported = Object.keys(await import(name)).sort();
    out[name] = required.length > 0 && JSON.stringify(required) === JSON.stringify(imported);
  }
  console.log(JSON.stringify(out));
})();\n`,
    );
    expect(JSON.parse(stdout)).toEqual(Object.fromEntries(libraries.map((n) => [n, true])));
  });
});
