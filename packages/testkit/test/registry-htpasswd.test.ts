import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("startRegistry: htpasswd", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "htpasswd" });
  });
  afterAll(() => registry.stop());

  it("challenges anonymous requests with Basic", async () => {
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="test-registry"');
  });

  it("refuses a wrong password", async () => {
    const res = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic("testuser", "wrong") } });
    expect(res.status).toBe(401);
  });

  it("accepts the test user (bcrypt line generated at start)", async () => {
    const { username, password } = registry.credentials!;
    expect(username).toBe("testuser");
    const auth = { authorization: basic(username, password) };
    expect((await fetch(`${registry.url}/v2/`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${registry.url}/v2/_catalog`, { headers: auth })).status).toBe(200);
  });
});
