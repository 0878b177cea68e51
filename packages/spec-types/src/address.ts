// Which hosts are loopback or private. Shared by the client (a public registry must not send it to a private
// address: a token realm or an upload Location aimed at 169.254.169.254 turns a registry into a way into the
// caller's own network; oras-go CVE-2026-48978, go-containerregistry#2295) and the relay (which must not become
// a way into the network it runs in). Only literal addresses are recognised: resolving names needs DNS, which
// runtime-neutral code does not have.

/** Whether a hostname is loopback: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || /^127(?:\.\d{1,3}){3}$/.test(h) || h === "::1";
}

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
