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

/** How a registry authenticates. */
export type Auth = AnonymousAuth | BasicAuth | BearerAuth | RefreshTokenAuth;
