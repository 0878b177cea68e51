// What a hostile or broken registry cannot make the client do (the issue-9 policies that live in the client):
// reach private addresses from a public registry, downgrade TLS for uploads, or take credentials elsewhere.
import { describe as describeContent } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { isPrivateHost } from "../src/internal/address.js";
import { resolveLocation } from "../src/internal/push/session.js";
import { handlerTransport, json } from "./helpers/handler-transport.js";

const noStore = {} as never;

describe("private addresses", () => {
  it.each([
    ["127.0.0.1", true],
    ["localhost", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["[::1]", true],
    ["[fd00::1]", true],
    ["[fe80::1]", true],
    ["[::ffff:10.0.0.1]", true],
    // What callers pass is URL.hostname, which spells IPv4-mapped addresses in hex.
    [new URL("http://[::ffff:169.254.169.254]/").hostname, true],
    [new URL("http://[::ffff:127.0.0.1]/").hostname, true],
    [new URL("http://[::ffff:8.8.8.8]/").hostname, false],
    ["localhost.", true],
    ["8.8.8.8", false],
    ["[2606:4700:4700::1111]", false],
    ["[2001:db8::1]", true],
    ["ghcr.io", false],
  ])("%s → %s", (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });

  it("refuses an upload Location on a private address from a public registry, or on another scheme, or downgrading TLS", () => {
    const base = new URL("https://registry.example/");
    expect(() =>
      resolveLocation("http://169.254.169.254/latest", "https://registry.example/v2/x/blobs/uploads/", base),
    ).toThrow(/private address|downgrades/);
    expect(() => resolveLocation("https://10.0.0.5/upload", "https://registry.example/v2/", base)).toThrow(
      /private address/,
    );
    expect(() =>
      resolveLocation("https://[::ffff:169.254.169.254]/latest", "https://registry.example/v2/", base),
    ).toThrow(/private address/);
    expect(() => resolveLocation("file:///etc/passwd", "https://registry.example/v2/", base)).toThrow(/scheme/);
    expect(() => resolveLocation("http://registry.example/x", "https://registry.example/v2/", base)).toThrow(
      /downgrades/,
    );
    // Relative Locations (GHCR) and `..` resolve against the request; a loopback registry may point to loopback.
    expect(
      resolveLocation("/v2/x/blobs/uploads/abc?_state=1", "https://registry.example/v2/x/blobs/uploads/", base),
    ).toBe("https://registry.example/v2/x/blobs/uploads/abc?_state=1");
    expect(resolveLocation("../up", "https://registry.example/v2/x/blobs/uploads/", base)).toBe(
      "https://registry.example/v2/x/blobs/up",
    );
    expect(
      resolveLocation("http://127.0.0.1:9/u", "http://127.0.0.1:5001/v2/", new URL("http://127.0.0.1:5001/")),
    ).toBe("http://127.0.0.1:9/u");
  });

  it("never asks a token realm on a private address when the registry is public", async () => {
    const seen: string[] = [];
    const transport = handlerTransport((req) => {
      seen.push(req.url);
      if (req.url.startsWith("https://registry.example/")) {
        return new Response(null, {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="http://169.254.169.254/latest/meta-data",service="x"' },
        });
      }
      return json({ token: "stolen" });
    });
    const errors: Array<string | undefined> = [];
    const client = new Client({
      transport,
      store: noStore,
      logger: {
        debug() {},
        info() {},
        warn() {},
        error: (_m, f) => errors.push((f?.error as { code?: string })?.code),
      },
    });
    const registry = client.registry("https://registry.example", {
      auth: { type: "basic", username: "u", password: "p" },
    });
    expect(await registry.repo("a/b").resolve("v1")).toBeUndefined();
    expect(seen.some((u) => u.includes("169.254"))).toBe(false);
    expect(errors.at(-1)).toBe("PROTOCOL");
  });

  it("pushes nothing to an upload Location the registry points at a private address", async () => {
    const data = new TextEncoder().encode("x");
    const desc = await describeContent(data);
    const seen: string[] = [];
    const transport = handlerTransport((req) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === "HEAD") return new Response(null, { status: 404 });
      if (req.method === "POST") {
        return new Response(null, { status: 202, headers: { location: "http://10.0.0.7/v2/a/b/blobs/uploads/1" } });
      }
      return new Response(null, { status: 500 });
    });
    const client = new Client({ transport, store: noStore });
    const events = [];
    for await (const e of client.registry("https://registry.example").repo("a/b").push(data, desc)) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "PROTOCOL" } });
    expect(seen.some((s) => s.includes("10.0.0.7"))).toBe(false);
  });
});
