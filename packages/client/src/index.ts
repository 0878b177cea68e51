// @toci/client: Client, Registry, Repository — the OCI distribution protocol over a Transport, into a Store.
// Runtime-neutral: Web standards only. Every public name is listed here (the throwing API is @toci/client/strict,
// src/strict.ts); src/internal/ is not public.

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
export type { ArtifactConfig, FileData, PushArtifactOptions, PushFile } from "./artifact-options.js";
export type { AnonymousAuth, Auth, BasicAuth, BearerAuth, RefreshTokenAuth } from "./auth.js";
export { Client, type CopyOptions } from "./client.js";
export { consoleLogger, type LogFields, type Logger, silentLogger } from "./logger.js";
export type { ClientOptions, RegistryOptions, TransferOptions } from "./options.js";
export { type CatalogOptions, Registry } from "./registry.js";
export { Repository } from "./repository.js";
export type {
  BlobProgressCallback,
  BlobPushOptions,
  FetchOptions,
  PlatformSelector,
  PullOptions,
  PushData,
  ReferrersOptions,
  ResolveOptions,
  SignalOptions,
  TagOptions,
  TreePushOptions,
} from "./repository-options.js";
