// @toci/client: Client, Registry, Repository — the OCI distribution protocol over a Transport, into a Store.
// Runtime-neutral: Web standards only. Every public name is the pull entry's (src/pull.ts: the model's names, the
// options and loggers, artifactFiles) or listed here, where Client, Registry and Repository are the full classes,
// which extend the pull entry's (an explicit export wins over `export *`). The throwing API is @toci/client/strict
// (src/strict.ts); src/internal/ is not public.

export type { ArtifactConfig, FileData, PushArtifactOptions, PushFile } from "./artifact-options.js";
export { Client, type CopyOptions } from "./client.js";
export * from "./pull.js";
export { Registry } from "./registry.js";
export { Repository } from "./repository.js";
export type { BlobPushOptions, PushData, TagOptions, TreePushOptions } from "./repository-options.js";
