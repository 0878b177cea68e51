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
    // Special-purpose IPv4 blocks that are not public unicast.
    ["0.0.0.0", true],
    ["100.64.0.1", true],
    ["192.0.0.1", true],
    ["192.0.2.7", true],
    ["198.18.0.1", true],
    ["198.51.100.1", true],
    ["203.0.113.9", true],
    ["224.0.0.1", true],
    ["240.0.0.1", true],
    ["255.255.255.255", true],
    ["192.0.1.1", false],
    ["198.20.0.1", false],
    // IPv6 forms that carry an IPv4 address reach it: judged by it.
    ["[::169.254.169.254]", true],
    [new URL("http://[::169.254.169.254]/").hostname, true],
    ["[::ffff:0:169.254.169.254]", true],
    [new URL("http://[::ffff:0:169.254.169.254]/").hostname, true],
    ["[64:ff9b::169.254.169.254]", true],
    [new URL("http://[64:ff9b::10.0.0.1]/").hostname, true],
    ["[64:ff9b::8.8.8.8]", false],
    ["[64:ff9b:1::8.8.8.8]", true],
    ["[2002:a9fe:a9fe::1]", true],
    ["[2002:808:808::1]", false],
    ["[::ffff:8.8.8.8]", false],
    ["[0:0:0:0:0:ffff:7f00:1]", true],
    // Special-purpose IPv6 blocks.
    ["[::]", true],
    ["[fec0::1]", true],
    ["[fc00::1]", true],
    ["[fd12:3456::1]", true],
    ["[100::1]", true],
    ["[2001:db8::1]", true],
    ["[2001::1]", true],
    ["[ff02::1]", true],
    ["[2606:4700::1111]", false],
    ["[2a00:1450:4001::200e]", false],
    // Not an address a URL holds: refused, not guessed at.
    ["[fe80::1%eth0]", true],
    ["[1:2:3:4:5:6:7:8:9]", true],
  ])("isPrivateHost(%s) → %s", (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});
