// Reading what a reference names on a registry, for the commands that show it (manifest, inspect, config): the
// manifest's exact bytes, parsed; an index's child chosen for a platform; an image's config. Everything read is
// verified against its descriptor by the client and capped before it is parsed: a registry is a stranger.
import type { StrictRepository } from "@toci/client/strict";
import {
  type Descriptor,
  DOCKER_CONFIG,
  formatPlatform,
  type Index,
  isIndex,
  type Manifest,
  OCI_CONFIG,
  OciError,
  parseManifest,
  readAll,
} from "@toci/spec-types";
import { UsageError } from "./errors.js";

/**
 * The largest image config read. Configs hold the image's settings and its history, kilobytes in practice; 16 MiB is
 * far past any real one and bounds what a hostile registry makes the command hold.
 */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** A manifest or index as the registry serves it: its descriptor and exact bytes. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

/** The manifest a reference (tag or digest) names, an index narrowed to `platform` when given. */
export async function fetchManifest(
  repo: StrictRepository,
  reference: string,
  options: { platform?: string; signal: AbortSignal },
): Promise<FetchedManifest> {
  const descriptor = await repo.resolve(reference, { platform: options.platform, signal: options.signal });
  return fetchDescriptor(repo, descriptor, options.signal);
}

async function fetchDescriptor(
  repo: StrictRepository,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<FetchedManifest> {
  const bytes = await repo.fetch(descriptor, (stream) => readAll(stream, descriptor.size), { signal });
  return { descriptor, bytes };
}

/** A fetched manifest, parsed (with the media type the registry declared for it). */
export interface ReadManifest extends FetchedManifest {
  manifest: Manifest | Index;
}

export async function readManifest(
  repo: StrictRepository,
  reference: string | Descriptor,
  options: { platform?: string; signal: AbortSignal },
): Promise<ReadManifest> {
  const fetched =
    typeof reference === "string"
      ? await fetchManifest(repo, reference, options)
      : await fetchDescriptor(repo, reference, options.signal);
  return { ...fetched, manifest: parseManifest(fetched.bytes, fetched.descriptor.mediaType) };
}

/** Whether a child of an index is an image for a platform, not an attestation (`unknown/unknown`). */
function isPlatformImage(child: Descriptor): boolean {
  return child.platform !== undefined && child.platform.os !== "unknown" && child.platform.architecture !== "unknown";
}

/**
 * The image manifest a reference names: itself, or the one image of an index. An index of several platforms without
 * `--platform` is a usage error listing them (which one "the" config is would be a guess).
 */
export async function readImage(
  repo: StrictRepository,
  reference: string,
  options: { platform?: string; signal: AbortSignal },
): Promise<ReadManifest & { manifest: Manifest }> {
  const read = await readManifest(repo, reference, options);
  if (!isIndex(read.manifest)) return { ...read, manifest: read.manifest };
  const images = read.manifest.manifests.filter(isPlatformImage);
  if (images.length !== 1) {
    const platforms = images.map((child) => formatPlatform(child.platform!));
    throw new UsageError(
      `${reference} is an index of ${images.length} platforms${platforms.length ? ` (${platforms.join(", ")})` : ""}: pass --platform os/arch`,
    );
  }
  const child = await readManifest(repo, images[0]!, options);
  if (isIndex(child.manifest)) throw new OciError("MANIFEST_INVALID", "an index's platform image is an index");
  return { ...child, manifest: child.manifest };
}

/** Whether a config descriptor is an image's config (JSON with the image's settings), not an artifact's. */
export function isImageConfig(config: Descriptor): boolean {
  return config.mediaType === OCI_CONFIG || config.mediaType === DOCKER_CONFIG;
}

/** A config blob's exact bytes, capped. */
export async function fetchConfig(
  repo: StrictRepository,
  config: Descriptor,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (config.size > MAX_CONFIG_BYTES) {
    throw new OciError("MANIFEST_INVALID", `the config is ${config.size} bytes, over the ${MAX_CONFIG_BYTES} read`);
  }
  return repo.fetch(config, (stream) => readAll(stream, config.size), { signal });
}

/** Bytes parsed as a JSON object, or MANIFEST_INVALID naming what they were. */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new OciError("MANIFEST_INVALID", `${what} is not JSON`, { cause });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OciError("MANIFEST_INVALID", `${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
