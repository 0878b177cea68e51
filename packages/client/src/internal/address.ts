// Hosts a public registry must not send us to. A token realm or an upload Location that names a private, loopback
// or link-local address turns a registry into a way to reach the caller's own network (cloud metadata at
// 169.254.169.254 above all): oras-go CVE-2026-48978 (realm), go-containerregistry#2295 (Location). Which hosts
// are private is spec-types' isPrivateHost (shared with the relay).
import { isPrivateHost, OciError } from "@toci/spec-types";

export { isPrivateHost };

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
