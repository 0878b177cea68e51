// @toci/client/pull: the read side of the client, for apps that only pull (a browser app ships no push, copy or
// referrers upkeep). The same names and the same calls as @toci/client's, so code moves between the two by changing
// the import; a full Client, Registry or Repository is also accepted where these are expected. Every public name of
// this subpath is listed here.

// Re-exported for convenience: what every caller of the client needs from the model.
export {
  type Descriptor,
  isOciError,
  OciError,
  type OciErrorCode,
  type Platform,
  parseReference,
  Reference,
  type TransferEvent,
} from "@toci/spec-types";
export { type ArtifactFile, type ArtifactFileType, artifactFiles } from "./artifact-files.js";
export type {
  AnonymousAuth,
  Auth,
  BasicAuth,
  BearerAuth,
  CredentialProvider,
  ProvidedCredentials,
  RefreshTokenAuth,
} from "./auth.js";
export { consoleLogger, type LogFields, type Logger, silentLogger } from "./logger.js";
export type { ClientOptions, MirrorOptions, RegistryOptions, TransferOptions } from "./options.js";
export { PullClient as Client } from "./pull-client.js";
export { type CatalogOptions, PullRegistry as Registry } from "./pull-registry.js";
export { PullRepository as Repository } from "./pull-repository.js";
export type {
  BlobProgressCallback,
  FetchOptions,
  PlatformSelector,
  PullOptions,
  ReferrersOptions,
  ResolveOptions,
  SignalOptions,
} from "./repository-options.js";
