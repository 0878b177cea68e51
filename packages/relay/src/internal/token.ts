// A token request, forwarded to the realm its upstream announced
// (https://distribution.github.io/distribution/spec/auth/token/): GET with the client's Basic credentials, or the
// OAuth2 POST form (https://distribution.github.io/distribution/spec/auth/oauth/), with the upstream's lent
// credentials when the client sent none (lend.ts). The realm must be one the upstream named, by origin and path (in
// a challenge the relay passed on, at its `/v2/`, or in its `realms` option): a listed origin only makes a private
// or plain-HTTP realm reachable (reach.ts), it does not make every URL on it a realm, or `_token/` would carry the
// client's, or the lent, credentials to any path there. The relay never follows a token service's redirect.
import type { Upstream } from "../options.js";
import { type ForwardContext, relay } from "./forward.js";
import { upstreamRequestHeaders } from "./headers.js";
import { lendToRealm } from "./lend.js";
import { mayReach, unreachableReason } from "./reach.js";
import { parseRealm } from "./realms.js";

/** Forwards a token request for `upstream` to `realmText`. */
export async function forwardToken(
  context: ForwardContext,
  upstream: Upstream,
  request: Request,
  realmText: string,
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "POST") {
    return context.refuse(405, "UNSUPPORTED", "a token realm takes GET or POST");
  }
  const realm = parseRealm(realmText);
  if (!realm) return context.refuse(404, "NAME_UNKNOWN", "not a token realm");
  if (!mayReach(upstream, realm)) {
    return context.refuse(403, "DENIED", `refusing a token realm: ${unreachableReason(realm)}`);
  }
  if (!(await announced(context, upstream, realm))) {
    return context.refuse(
      403,
      "DENIED",
      `${realm.origin}${realm.pathname} is not a token realm ${upstream.name} announced (list it in the upstream's realms if its /v2/ does not name it)`,
    );
  }
  const target = new URL(realm);
  for (const [name, value] of new URL(request.url).searchParams) target.searchParams.append(name, value);
  const sent = await lendToRealm(
    upstream,
    {
      method: request.method as "GET" | "POST",
      url: target,
      headers: upstreamRequestHeaders(request, true, request.method === "POST"),
      realm,
    },
    request.signal,
  );
  const response = await context.config.fetch(sent.url, {
    method: sent.method,
    headers: sent.headers,
    body: sent.form ?? (sent.method === "POST" ? request.body : null),
    duplex: "half",
    redirect: "manual",
    signal: request.signal,
  } as RequestInit);
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    return context.refuse(502, "UNAVAILABLE", `the token realm ${realm.origin} redirected; the relay does not follow`);
  }
  return relay(response, { upstream, url: sent.url, base: context.base });
}

/** How long a probe of `/v2/` may take: an anonymous GET that answers at once, or never. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Whether the upstream named this realm. An instance that never saw the challenge asks the upstream's `/v2/`
 * (anonymously; realms.ts shares and spaces out these probes): a stream of refused requests costs the upstream no
 * more than one a minute.
 */
async function announced(context: ForwardContext, upstream: Upstream, realm: URL): Promise<boolean> {
  if (context.realms.knows(upstream, realm)) return true;
  await context.realms.probe(upstream, () =>
    context.config.fetch(new URL("v2/", upstream.base), {
      headers: { "accept-encoding": "identity" },
      redirect: "manual",
      // Its own bound, not the first caller's signal: other token requests wait for this probe too.
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }),
  );
  return context.realms.knows(upstream, realm);
}
