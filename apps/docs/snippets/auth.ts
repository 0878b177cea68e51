// Authentication, as shown in guide/auth.md.
import { dockerCredentials, storeCredentials } from "@toci/credentials";
import type { Client, Registry } from "./support.js";

export function registries(client: Client, env: Record<string, string | undefined>): Registry[] {
  // #region auth
  // Anonymous (the default): anonymous bearer tokens are still fetched when a registry asks (GHCR, Docker Hub).
  const anonymous = client.registry("ghcr.io");
  // A user name and password: Basic, or exchanged at the registry's token server for scoped bearer tokens.
  const basic = client.registry("registry.example.com", {
    auth: { type: "basic", username: env.REGISTRY_USER ?? "", password: env.REGISTRY_PASSWORD ?? "" },
  });
  // A token you already have, sent as is.
  const bearer = client.registry("registry.example.com", { auth: { type: "bearer", token: env.TOKEN ?? "" } });
  // An OAuth2 refresh token (Docker's `identitytoken`, Azure's refresh token).
  const refresh = client.registry("myregistry.azurecr.io", {
    auth: { type: "refresh-token", refreshToken: env.REFRESH_TOKEN ?? "" },
  });
  // #endregion auth
  return [anonymous, basic, bearer, refresh];
}

export function plain(client: Client): Registry {
  // #region plain
  // Loopback hosts default to plain HTTP, everything else to HTTPS. Credentials are never sent over plain HTTP to a
  // host that is not loopback unless you say so.
  return client.registry("registry.lan:5000", {
    plainHttp: true,
    allowInsecureCredentials: true,
    auth: { type: "basic", username: "ci", password: "secret" },
  });
  // #endregion plain
}

export async function docker(client: Client, login: { username: string; password: string }): Promise<Registry> {
  // #region docker
  // What `docker login` stores: in the credential helper config.json names, else in config.json (mode 0600).
  await storeCredentials("registry.example.com", { type: "basic", ...login });
  // docker's credentials: $DOCKER_CONFIG/config.json (else ~/.docker/config.json) and its credential helpers, as a
  // credential provider: looked up when the registry asks for credentials, and again if it refuses them.
  return client.registry("registry.example.com", { auth: dockerCredentials() });
  // #endregion docker
}
