// Hosts a public registry must not send us to. A token realm or an upload Location that names a private, loopback
// or link-local address turns a registry into a way to reach the caller's own network (cloud metadata at
// 169.254.169.254 above all): oras-go CVE-2026-48978 (realm), go-containerregistry#2295 (Location). Only literal
// addresses are recognised: resolving names needs DNS, which a runtime-neutral client does not have.
import { OciError } from "@toci/spec-types";
import { isLoopbackHost } from "./url.js";

/** Whether a hostname is loopback, or a literal private, link-local, CGNAT or unspecified address. */
export function isPrivateHost(hostname: string): boolean {
  // A trailing dot names the same host (`localhost.`, `10.0.0.1.` is not an address but `localhost.` resolves).
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (isLoopbackHost(h)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (h.includes(":")) {
    if (h === "::" || h === "::1") return true;
    // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 address. URL hostnames spell it in hex (new URL() turns
    // [::ffff:169.254.169.254] into [::ffff:a9fe:a9fe]), so both spellings are read.
    const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
    if (dotted) return isPrivateHost(dotted[1]!);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (hex) {
      const [high, low] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
      return isPrivateHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  }
  return false;
}

/**
 * Throws unless a public registry's redirect of us to `target` stays public. A registry that is itself private
 * (a lab, a loopback test registry) may point anywhere.
 */
export function assertNotPrivateFromPublic(registry: URL, target: URL, what: string): void {
  if (!isPrivateHost(registry.hostname) && isPrivateHost(target.hostname)) {
    throw new OciError("PROTOCOL", `refusing ${what} ${target.origin}: a private address, from a public registry`, {
      detail: { registry: registry.origin, target: target.origin },
    });
  }
}
