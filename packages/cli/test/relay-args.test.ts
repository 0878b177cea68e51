// `toci relay`'s arguments, read as the other commands read registries: loopback over plain HTTP, others over
// HTTPS, docker.io as Docker Hub, and a listen address with its port.
import { describe, expect, it } from "vitest";
import { parseListen, parseUpstream } from "../src/commands/relay.js";
import { UsageError } from "../src/errors.js";

describe("toci relay arguments", () => {
  it("reads --upstream as a URL or a host, with a name and other origins", () => {
    expect(parseUpstream("ghcr.io")).toEqual({ url: "https://ghcr.io", host: "ghcr.io", origins: [] });
    expect(parseUpstream("localhost:5001")).toEqual({
      url: "http://localhost:5001",
      host: "localhost:5001",
      origins: [],
    });
    expect(parseUpstream("https://127.0.0.1:5443")).toMatchObject({ url: "https://127.0.0.1:5443" });
    expect(parseUpstream("docker.io")).toEqual({
      url: "https://registry-1.docker.io",
      host: "registry-1.docker.io",
      name: "docker.io",
      origins: [],
    });
    expect(parseUpstream("local=127.0.0.1:5001,http://127.0.0.1:5002, http://127.0.0.1:9000")).toEqual({
      url: "http://127.0.0.1:5001",
      host: "127.0.0.1:5001",
      name: "local",
      origins: ["http://127.0.0.1:5002", "http://127.0.0.1:9000"],
    });
    expect(() => parseUpstream("http://[bad")).toThrow(UsageError);
  });

  it("takes an origin given with a path as a token realm of the upstream too", () => {
    expect(parseUpstream("reg=127.0.0.1:5001,http://127.0.0.1:5002/token,http://127.0.0.1:9000")).toEqual({
      url: "http://127.0.0.1:5001",
      host: "127.0.0.1:5001",
      name: "reg",
      origins: ["http://127.0.0.1:5002/token", "http://127.0.0.1:9000"],
      realms: ["http://127.0.0.1:5002/token"],
    });
  });

  it("reads an IPv6 loopback upstream as plain HTTP, and another IPv6 address as HTTPS", () => {
    expect(parseUpstream("v6=[::1]:5001")).toEqual({
      url: "http://[::1]:5001",
      host: "[::1]:5001",
      name: "v6",
      origins: [],
    });
    expect(parseUpstream("v6=[2001:db8::5]:5001")).toMatchObject({ url: "https://[2001:db8::5]:5001" });
  });

  it("reads --listen as host:port or [v6]:port", () => {
    expect(parseListen("127.0.0.1:5080")).toEqual({ host: "127.0.0.1", port: 5080 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListen("localhost:8080")).toEqual({ host: "localhost", port: 8080 });
    for (const bad of ["5080", "127.0.0.1", "127.0.0.1:70000", "::1:80", "a b:1"]) {
      expect(() => parseListen(bad), bad).toThrow(UsageError);
    }
  });
});
