// Networks, as shown in guide/networks.md: credential providers, mirrors, proxies and TLS per registry.
import { readFileSync } from "node:fs";
import type { CredentialProvider } from "@toci/client";
import { dockerCredentials } from "@toci/credentials";
import { nodeTransport } from "@toci/transport-node";
import type { Client, Registry } from "./support.js";

export function providers(client: Client): Registry[] {
  // #region provider
  // docker's credentials (config.json, credential helpers), looked up when the registry asks for credentials.
  const ghcr = client.registry("ghcr.io", { auth: dockerCredentials() });

  // Your own provider: any function of the registry's host[:port] that answers credentials or undefined.
  const fromVault: CredentialProvider = async (host) => {
    if (host !== "registry.example.com") return undefined; // anonymous elsewhere
    const { password, validUntil } = await fetchShortLivedPassword(); // e.g. a cloud's 12-hour registry token
    return { type: "basic", username: "ci", password, expiresAt: validUntil }; // asked again after validUntil
  };
  const internal = client.registry("registry.example.com", { auth: fromVault });
  // #endregion provider
  return [ghcr, internal];
}

/** Stands in for a call to a secret store. */
async function fetchShortLivedPassword(): Promise<{ password: string; validUntil: number }> {
  return { password: "short-lived", validUntil: Date.now() + 12 * 3600_000 };
}

export function mirrors(client: Client, mirror: string): Registry {
  // #region mirrors
  // Pulls from Docker Hub read from the mirror first: what it lacks, or serves wrongly, comes from Docker Hub.
  // Pushes and every other call go to Docker Hub itself. The mirror gets its own credentials from the provider.
  const hub = client.registry("docker.io", {
    auth: dockerCredentials(),
    mirrors: [mirror, { url: "https://mirror.gcr.io" }],
  });
  // #endregion mirrors
  return hub;
}

export function transport(files: { ca: string; cert: string; key: string }) {
  // #region transport
  // Proxies and TLS belong to the transport: HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read by default, `proxy`
  // overrides them; `tls` sets a CA and a client certificate (mTLS) for one registry's origin only.
  return nodeTransport({
    proxy: { https: "http://proxy.corp.example:3128", noProxy: "localhost,.corp.example" },
    tls: {
      "https://registry.corp.example": {
        ca: readFileSync(files.ca, "utf8"),
        cert: readFileSync(files.cert, "utf8"),
        key: readFileSync(files.key, "utf8"),
      },
    },
  });
  // #endregion transport
}
