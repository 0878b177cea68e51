// Where the relay may send a request on an upstream's behalf. The relay runs inside some network; a registry (or
// anyone who can make it answer a redirect or a challenge) must not turn it into a way to that network's private
// addresses (cloud metadata at 169.254.169.254 above all) or into a proxy for plain HTTP.
import { isPrivateHost } from "@toci/spec-types";
import type { Upstream } from "../options.js";

/**
 * Whether a request for `upstream` may go to `url`: the upstream's own origin and the origins listed with it,
 * else HTTPS to a host that is not a literal private, loopback or link-local address. Names are not resolved
 * (runtime-neutral code has no DNS): a name that resolves to a private address is the network's to refuse.
 */
export function mayReach(upstream: Upstream, url: URL): boolean {
  if (upstream.origins.has(url.origin)) return true;
  return url.protocol === "https:" && !isPrivateHost(url.hostname);
}

/** Why {@link mayReach} refused, for the error message. */
export function unreachableReason(url: URL): string {
  const why = url.protocol !== "https:" ? "plain HTTP" : "a private address";
  return `${url.origin} is ${why} and not listed in the upstream's origins`;
}
