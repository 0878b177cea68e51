// Credentials the relay lends to requests that carry none (an upstream's `credentials` option): a page pulls
// private content without ever holding the password. They go where the page's own would go and nowhere else: the
// upstream's API (Basic, or a registry token) and the token realms the relay already lets that upstream use
// (Basic on the GET, a refresh token as the OAuth2 POST form,
// https://distribution.github.io/distribution/spec/auth/oauth/). A request with its own `Authorization` keeps it.
import type { Upstream, UpstreamCredentials } from "../options.js";

/** Base64 of a UTF-8 string (`btoa` takes Latin-1 only). */
function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The upstream's credentials, asked for when a request needs them. */
async function credentialsOf(upstream: Upstream, signal: AbortSignal): Promise<UpstreamCredentials | undefined> {
  const source = upstream.credentials;
  if (source === undefined) return undefined;
  return typeof source === "function" ? await source({ signal }) : source;
}

/** Adds the upstream's credentials to a request for its API (`headers` going upstream), when it has none. */
export async function lendToApi(upstream: Upstream, headers: Headers, signal: AbortSignal): Promise<void> {
  if (headers.has("authorization")) return;
  const credentials = await credentialsOf(upstream, signal);
  if (credentials?.type === "basic") {
    headers.set("authorization", `Basic ${base64Utf8(`${credentials.username}:${credentials.password}`)}`);
  } else if (credentials?.type === "bearer") {
    headers.set("authorization", `Bearer ${credentials.token}`);
  }
}

/** A token request as the relay sends it to a realm. */
export interface TokenRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Headers;
  /** The OAuth2 form; undefined: the client's own body (or none). */
  form?: string;
}

/**
 * Adds the upstream's credentials to an anonymous token GET: Basic; or a refresh token, which turns the GET into
 * the OAuth2 POST form to the realm with the same service and scopes. A bearer token has nothing to give a realm.
 */
export async function lendToRealm(
  upstream: Upstream,
  token: TokenRequest & { realm: URL },
  signal: AbortSignal,
): Promise<TokenRequest> {
  if (token.headers.has("authorization") || token.method !== "GET") return token;
  const credentials = await credentialsOf(upstream, signal);
  if (credentials?.type === "basic") {
    token.headers.set("authorization", `Basic ${base64Utf8(`${credentials.username}:${credentials.password}`)}`);
    return token;
  }
  if (credentials?.type !== "refresh-token") return token;
  const query = token.url.searchParams;
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: credentials.refreshToken,
    client_id: credentials.clientId ?? "toci",
  });
  const service = query.get("service");
  if (service !== null) form.set("service", service);
  form.set("scope", query.getAll("scope").join(" "));
  const headers = new Headers(token.headers);
  headers.set("content-type", "application/x-www-form-urlencoded");
  return { method: "POST", url: new URL(token.realm), headers, form: form.toString() };
}
