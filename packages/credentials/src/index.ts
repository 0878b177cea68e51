// @toci/credentials: docker's config.json and credential helpers, as a credential provider for
// `client.registry(url, { auth })` and as login/logout storage. Node only. Every public name is listed here.
// Not exported, on purpose: the file reader and its shape checks, the helper runner and the atomic writer
// (internal decisions whose behaviour is documented on the functions that use them).

export type {
  BasicCredentials,
  BearerCredentials,
  CredentialProvider,
  CredentialRequest,
  Credentials,
  RefreshTokenCredentials,
  StorableCredentials,
} from "./credentials.js";
export { dockerCredentials } from "./docker-credentials.js";
export { type CredentialStoreOptions, type DockerConfigOptions, dockerConfigDir } from "./options.js";
export { DOCKER_HUB_KEY, registryHost, registryKey } from "./registry-key.js";
export { eraseCredentials, type StoredIn, storeCredentials } from "./store-credentials.js";
