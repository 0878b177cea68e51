import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

describe("startRegistry: plain HTTP", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ deleteEnabled: false, env: { REGISTRY_LOG_LEVEL: "error" } });
  });
  afterAll(() => registry.stop());

  it("answers GET /v2/ with 200 {} on 127.0.0.1, never port 5000", async () => {
    expect(registry.url).toBe(`http://${registry.host}`);
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.port).not.toBe(5000);
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(await res.text()).toBe("{}");
    expect(registry.credentials).toBeUndefined();
    expect(registry.startMs).toBeLessThan(10_000);
  });

  it("keeps its storage in its own temp dir and exposes serialisable info", () => {
    expect(registry.dataDir.startsWith(registry.dir)).toBe(true);
    expect(fs.existsSync(registry.dir)).toBe(true);
    expect(JSON.parse(JSON.stringify(registry.info))).toEqual(registry.info);
  });

  it("passes deleteEnabled: false to the registry (DELETE → 405 UNSUPPORTED) and logs the error", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const res = await fetch(`${registry.url}/v2/a/b/manifests/${digest}`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(await res.text()).toContain("UNSUPPORTED");
    expect(typeof registry.logs()).toBe("string");
  });

  it("stops by PID and removes its temp dir", async () => {
    const { pid, dir } = registry;
    await registry.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(fs.existsSync(dir)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    await registry.stop(); // idempotent
  });

  it("refuses clearly when docker-registry is missing", async () => {
    await expect(startRegistry({ binary: "/nonexistent/docker-registry" })).rejects.toThrow(
      /apt-get install docker-registry.*docker run .*registry:2/,
    );
  });
});
