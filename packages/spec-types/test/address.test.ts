// Which hosts are loopback or private (address.ts), shared by the client and the relay. The client's
// hostile.test.ts runs the long list through its re-export; here the two functions apart.
import { describe, expect, it } from "vitest";
import { isLoopbackHost, isPrivateHost } from "../src/index.js";

describe("addresses", () => {
  it.each([
    ["localhost", true],
    ["app.localhost", true],
    ["127.0.0.9", true],
    ["[::1]", true],
    ["10.0.0.1", false],
    ["ghcr.io", false],
  ])("isLoopbackHost(%s) → %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it.each([
    ["10.0.0.1", true],
    ["169.254.169.254", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    [new URL("http://[::ffff:169.254.169.254]/").hostname, true],
    ["[fe80::1]", true],
    ["8.8.8.8", false],
    ["registry.example", false],
  ])("isPrivateHost(%s) → %s", (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});
