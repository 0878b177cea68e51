// The libtrust key ID that distribution 2.8 matches against a JWT's `kid` (docs/architecture.md §8): SHA-256 of the DER
// SubjectPublicKeyInfo, first 240 bits, base32 (RFC 4648, no padding), 12 groups of 4 joined by ":".
// An RFC 7638 JWK thumbprint is NOT accepted by the registry.
import { createHash, type KeyObject } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The libtrust key ID of a public key, e.g. `IFOJ:CHOT:XL3T:XXML:DN5L:ODLV:QQ4K:C63V:5OZF:JJOG:MFDB:EA42`. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  const hash = createHash("sha256").update(der).digest().subarray(0, 30);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of hash) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(":");
}
