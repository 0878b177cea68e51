// Which hosts are loopback or not public. Shared by the client (a public registry must not send it to a private
// address: a token realm or an upload Location aimed at 169.254.169.254 turns a registry into a way into the
// caller's own network; oras-go CVE-2026-48978, go-containerregistry#2295) and the relay (which must not become
// a way into the network it runs in). Only literal addresses are recognised: resolving names needs DNS, which
// runtime-neutral code does not have. The ranges come from IANA's special-purpose registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry/, .../iana-ipv6-special-registry/): the private,
// local, multicast, reserved, documentation and benchmarking blocks a request could be aimed at (not every small
// assignment there), and an IPv6 address that carries an IPv4 one (mapped, translated, NAT64, 6to4) is judged by
// the IPv4 address it reaches.

/** Whether a hostname is loopback: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || /^127(?:\.\d{1,3}){3}$/.test(h) || h === "::1";
}

/**
 * Whether a hostname is loopback, or a literal address that is not public unicast: private, link-local, CGNAT,
 * unspecified, multicast, broadcast, reserved, documentation or benchmarking ranges, in IPv4 or IPv6.
 */
export function isPrivateHost(hostname: string): boolean {
  // A trailing dot names the same host (`localhost.`, `10.0.0.1.` is not an address but `localhost.` resolves).
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (isLoopbackHost(h)) return true;
  const v4 = parseIPv4(h);
  if (v4) return !isPublicIPv4(v4);
  if (h.includes(":")) {
    const v6 = parseIPv6(h);
    // Not an address a URL would hold: refused rather than guessed at.
    return v6 === undefined || !isPublicIPv6(v6);
  }
  return false;
}

function parseIPv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function isPublicIPv4([a = 0, b = 0, c = 0]: number[]): boolean {
  return !(
    a === 0 || // "this network"
    a === 10 ||
    (a === 100 && b >= 64 && b <= 127) || // CGNAT
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // multicast, reserved, broadcast
  );
}

/**
 * Eight 16-bit groups, or undefined when `text` is not an IPv6 address. The URL parser checks it and writes it
 * canonically (lower case, `::` at most once, a dotted IPv4 tail in hex), which leaves only `::` to expand.
 */
function parseIPv6(text: string): number[] | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [left = "", right] = canonical.split("::");
  const words = (part: string | undefined) => (part ? part.split(":") : []);
  const gap = 8 - words(left).length - words(right).length;
  return [...words(left), ...new Array<string>(gap).fill("0"), ...words(right)].map((w) => Number.parseInt(w, 16));
}

function isPublicIPv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const v4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255];
  const zeroThrough = (n: number) => g.slice(0, n).every((w) => w === 0);
  // ::/96 (unspecified, loopback, the old IPv4-compatible form), ::ffff:0:0/96 (mapped) and ::ffff:0:0:0/96
  // (translated): the IPv4 address is what they reach, and only a public one is public.
  if (zeroThrough(6)) return g6 !== 0 && isPublicIPv4(v4(g6, g7));
  if (zeroThrough(5) && g5 === 0xffff) return isPublicIPv4(v4(g6, g7));
  if (zeroThrough(4) && g4 === 0xffff && g5 === 0) return isPublicIPv4(v4(g6, g7));
  // NAT64 (64:ff9b::/96) reaches its IPv4 address; the local-use NAT64 prefix 64:ff9b:1::/48 is not global.
  if (g0 === 0x64 && g1 === 0xff9b) return g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && isPublicIPv4(v4(g6, g7));
  // 6to4 (2002::/16) carries its IPv4 address in the next 32 bits.
  if (g0 === 0x2002) return isPublicIPv4(v4(g1, g2));
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return false; // discard-only
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8)) return false; // Teredo, documentation
  return !(
    (g0 & 0xfe00) === 0xfc00 || // unique local
    (g0 & 0xffc0) === 0xfe80 || // link-local
    (g0 & 0xffc0) === 0xfec0 || // site-local (deprecated, still routed inside sites)
    (g0 & 0xff00) === 0xff00 // multicast
  );
}
