// What a credential provider answers, and the provider itself. These are structurally the credential kinds of
// `@toci/client`'s `Auth` (Basic, bearer, refresh token), declared here because this package depends on
// `@toci/spec-types` only (docs/architecture.md §1): an answer can be passed to `client.registry(url, { auth })`
// as it is.

/** A user name and password: sent as Basic to the registry, or to its token server to get bearer tokens. */
export interface BasicCredentials {
  type: "basic";
  username: string;
  password: string;
}

/** A bearer token sent as is to the registry (docker config's `registrytoken`). */
export interface BearerCredentials {
  type: "bearer";
  token: string;
}

/**
 * An OAuth2 refresh token (docker config's `identitytoken`, a credential helper's `<token>` user): exchanged at the
 * registry's token server for access tokens.
 */
export interface RefreshTokenCredentials {
  type: "refresh-token";
  refreshToken: string;
}

/** Credentials for one registry. */
export type Credentials = BasicCredentials | BearerCredentials | RefreshTokenCredentials;

/** What {@link storeCredentials} can keep: docker config and credential helpers hold these two kinds. */
export type StorableCredentials = BasicCredentials | RefreshTokenCredentials;

/** What a provider is asked with besides the host. */
export interface CredentialRequest {
  /** Stops the lookup (a running credential helper is killed); the promise rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/**
 * A credential provider: the credentials for a registry, or `undefined` for none (anonymous). `host` is the
 * registry's `host[:port]` (`ghcr.io`, `127.0.0.1:5000`); an origin or a docker config key spelling
 * (`https://index.docker.io/v1/`) is accepted too. It rejects with an `OciError` when the credentials exist but
 * cannot be read (a malformed entry, a failing helper), never with anything else.
 */
export type CredentialProvider = (host: string, request?: CredentialRequest) => Promise<Credentials | undefined>;
