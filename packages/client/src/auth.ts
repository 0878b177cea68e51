// How a Registry authenticates (koci's AuthConfig, plus the OAuth2 refresh token that Docker's `identitytoken` and
// Azure's AAD tokens are). Credentials are bound to the registry's origin: see internal/auth/authenticator.ts.

/** No credentials. Anonymous bearer tokens are still fetched when a registry asks for them (GHCR, Docker Hub). */
export interface AnonymousAuth {
  type: "anonymous";
}

/** Username and password: sent as Basic to the registry, or to its token server to get bearer tokens. */
export interface BasicAuth {
  type: "basic";
  username: string;
  password: string;
}

/** A bearer token you already have, sent as is on every request to the registry's origin. */
export interface BearerAuth {
  type: "bearer";
  token: string;
}

/**
 * An OAuth2 refresh token (Docker's `identitytoken`, Azure's AAD refresh token): exchanged at the registry's token
 * server with a `grant_type=refresh_token` POST for access tokens.
 */
export interface RefreshTokenAuth {
  type: "refresh-token";
  refreshToken: string;
  /** Sent as `client_id`. @default "toci" */
  clientId?: string;
}

/** What a {@link CredentialProvider} may answer: credentials, each valid until `expiresAt` when it says so. */
export type ProvidedCredentials = (BasicAuth | BearerAuth | RefreshTokenAuth) & {
  /**
   * When the answer stops being valid (ms since the epoch, as `Date.now()`): a cloud's short-lived registry
   * password, say. The provider is asked again for any use after it.
   * @default never (the answer lives until the registry refuses it)
   */
  expiresAt?: number;
};

/**
 * Credentials looked up when they are needed: a function of the registry's `host[:port]` (`ghcr.io`,
 * `127.0.0.1:5000`, `docker.io` for Docker Hub; a mirror's own host for a mirror) answering credentials, or
 * `undefined` for none (anonymous). `dockerCredentials()` of `@toci/credentials` is one.
 *
 * It is asked lazily, on the registry's first 401 (a registry that never challenges never causes a lookup), once
 * for concurrent requests, and again only when the registry or its token server refuses what it answered, or when
 * its answer's `expiresAt` has passed. What it answers is kept no longer: never past a refusal nor past `expiresAt`.
 * It may reject (an `OciError` is passed on as it is; anything else becomes `UNAUTHORIZED`), failing the request.
 */
export type CredentialProvider = (
  host: string,
  request?: { signal?: AbortSignal },
) => Promise<ProvidedCredentials | undefined> | ProvidedCredentials | undefined;

/** How a registry authenticates: credentials, or a provider that looks them up when the registry asks. */
export type Auth = AnonymousAuth | BasicAuth | BearerAuth | RefreshTokenAuth | CredentialProvider;
