// TLS: a registry with a certificate from a private CA is refused with a hint, trusted with --ca-file, and
// reached with --insecure, which warns loudly.
import { describe, expect, it } from "vitest";
import { registries, toci } from "./helpers.js";

const { tls } = registries();

describe.concurrent("TLS options", () => {
  it("refuses an untrusted certificate, with a hint naming --ca-file", async () => {
    const result = await toci(["ping", `https://${tls.host}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: NETWORK: /);
    expect(result.stderr).toContain("hint: the registry's TLS certificate is not trusted: pass --ca-file FILE");
  });

  it("says so when plain HTTP (the loopback default) reaches an HTTPS registry", async () => {
    const result = await toci(["ping", tls.host]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("hint: the registry speaks HTTPS");
  });

  it("trusts --ca-file", async () => {
    const result = await toci(["ping", tls.host, "--ca-file", tls.caFile!, "--json"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, url: `${tls.url}/` });
  });

  it("skips verification with --insecure, loudly", async () => {
    const result = await toci(["catalog", tls.host, "--insecure"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: --insecure: TLS certificates are NOT verified/);
  });

  it("fails plainly when a missing --ca-file is given", async () => {
    const result = await toci(["ping", tls.host, "--ca-file", "/nonexistent/ca.pem"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cannot read --ca-file");
  });
});
