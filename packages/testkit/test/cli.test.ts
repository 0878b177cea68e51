import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RegistryInfo } from "../src/registry/index.js";

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bin", "registry.mjs");

describe("bin/registry.mjs", () => {
  it("start --auth htpasswd prints JSON, serves until SIGTERM, then cleans up", async () => {
    const child = spawn(process.execPath, [BIN, "start", "--auth", "htpasswd"], { stdio: ["ignore", "pipe", "pipe"] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line) as RegistryInfo & { startMs: number };
    expect(info).toMatchObject({ auth: "htpasswd", tls: false, credentials: { username: "testuser" } });
    expect((await fetch(`${info.url}/v2/`)).status).toBe(401);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(fs.existsSync(info.dir)).toBe(false);
    expect(() => process.kill(info.pid, 0)).toThrow();
  });

  it("exits 2 on usage errors", async () => {
    const child = spawn(process.execPath, [BIN, "start", "--auth", "kerberos"], { stdio: "ignore" });
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(2);
  });
});
