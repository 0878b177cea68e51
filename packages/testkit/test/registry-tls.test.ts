import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multiArchIndex, pushWithSkopeo, sha256, skopeoInspectRaw, writeLayout } from "../src/fixtures/index.js";
import { request } from "../src/internal/http.js";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

describe("startRegistry: TLS", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "htpasswd", tls: true });
  });
  afterAll(() => registry.stop());

  it("serves https with a certificate the returned CA verifies, for 127.0.0.1 and localhost", async () => {
    expect(registry.url.startsWith("https://127.0.0.1:")).toBe(true);
    expect(fs.readFileSync(registry.caFile!, "utf8")).toContain("BEGIN CERTIFICATE");
    expect(fs.existsSync(path.join(registry.certDir!, "ca.crt"))).toBe(true);
    const res = await request({ url: `${registry.url}/v2/`, caFile: registry.caFile });
    expect(res.status).toBe(401);
    const local = await request({ url: `https://localhost:${registry.port}/v2/`, caFile: registry.caFile });
    expect(local.status).toBe(401);
  });

  it("is refused without the CA", async () => {
    await expect(request({ url: `${registry.url}/v2/` })).rejects.toThrow(/certificate/);
  });

  it("works with curl --cacert", () => {
    const { username, password } = registry.credentials!;
    const code = execFileSync("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      registry.caFile!,
      "-u",
      `${username}:${password}`,
      `${registry.url}/v2/`,
    ]).toString();
    expect(code).toBe("200");
  });

  it("takes a skopeo push with --dest-cert-dir and credentials", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toci-tls-layout-"));
    try {
      const fixture = multiArchIndex({ seed: "tls", layerSizes: [512] });
      writeLayout(dir, fixture, "v1");
      await pushWithSkopeo(dir, "v1", registry, "tls/multi");
      const raw = await skopeoInspectRaw(registry, "tls/multi", "v1");
      expect(sha256(Buffer.from(raw))).toBe(fixture.root.digest);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
