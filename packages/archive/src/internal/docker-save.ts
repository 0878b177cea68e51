// Classic `docker save` archives (and skopeo's docker-archive): `manifest.json` lists, per image, a config file and
// layer files whose names are not digests (`<id>/layer.tar`, often a symlink to a shared layer). Each image becomes
// an OCI manifest: the config as it is (same digest: the image ID is kept), layers as they are in the archive (the
// uncompressed tars docker writes, so their digests are the config's diff_ids, which are checked).
import {
  type Descriptor,
  describe,
  digestMismatch,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from "@toci/spec-types";
import { compressionOf } from "../decompress.js";
import type { Scan, ScannedFile } from "./archive-scan.js";
import { cleanPath } from "./clean-path.js";
import { invalid } from "./errors.js";

/** One image of `manifest.json`, turned into what the store needs. */
export interface DockerImage {
  config: { descriptor: Descriptor; bytes: Uint8Array };
  /** Each layer, and the archive path its content is at. */
  layers: { descriptor: Descriptor; path: string; file: ScannedFile }[];
  manifest: { descriptor: Descriptor; bytes: Uint8Array };
  /** Full references, as docker's RepoTags. */
  names: string[];
}

const LAYER_TYPES = { none: OCI_LAYER, gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD } as const;
const encoder = new TextEncoder();

/** The images a `manifest.json` describes, checked against the files the scan found. */
export async function dockerImages(scan: Scan, manifestJson: Uint8Array): Promise<DockerImage[]> {
  const list = parseJson(manifestJson, "manifest.json");
  if (!Array.isArray(list) || list.length === 0) throw invalid("manifest.json is not a list of images");
  const images: DockerImage[] = [];
  for (const [i, item] of list.entries()) {
    const { Config, RepoTags, Layers } = (item ?? {}) as Record<string, unknown>;
    if (typeof Config !== "string" || !Array.isArray(Layers) || !Layers.every((l) => typeof l === "string")) {
      throw invalid(`manifest.json[${i}] needs a Config and a list of Layers`);
    }
    const names = Array.isArray(RepoTags) ? RepoTags.filter((t): t is string => typeof t === "string") : [];
    const configFile = fileAt(scan, Config);
    if (!configFile.bytes) throw invalid(`${Config}: the config is too large`);
    const config = {
      descriptor: { mediaType: OCI_CONFIG, digest: configFile.digest, size: configFile.size },
      bytes: configFile.bytes,
    };
    const diffIds = diffIdsOf(configFile.bytes, Config);
    const layers = (Layers as string[]).map((path, n) => {
      const file = fileAt(scan, path);
      const kind = compressionOf(file.head);
      const descriptor: Descriptor = { mediaType: LAYER_TYPES[kind], digest: file.digest, size: file.size };
      const diffId = diffIds?.[n];
      if (kind === "none" && diffId !== undefined && diffId !== file.digest)
        throw digestMismatch({ digest: diffId as Descriptor["digest"] }, file.digest);
      return { descriptor, path, file };
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    };
    const bytes = encoder.encode(JSON.stringify(manifest));
    images.push({
      config,
      layers,
      manifest: { descriptor: await describe(bytes, { mediaType: OCI_MANIFEST }), bytes },
      names,
    });
  }
  return images;
}

/** The scanned file at an archive path, through symlinks (docker save links shared layers). */
export function fileAt(scan: Scan, path: string): ScannedFile {
  let at = cleanPath(path);
  for (let hop = 0; hop < 8 && scan.links.has(at); hop++) at = scan.links.get(at)!;
  const file = scan.files.get(at);
  if (!file) throw invalid(`the archive lacks ${JSON.stringify(path)}`);
  return file;
}

/** A config's rootfs.diff_ids, when it has them as a list of strings. */
function diffIdsOf(bytes: Uint8Array, path: string): string[] | undefined {
  const config = parseJson(bytes, path) as { rootfs?: { diff_ids?: unknown } } | null;
  const ids = config?.rootfs?.diff_ids;
  return Array.isArray(ids) && ids.every((d) => typeof d === "string") ? ids : undefined;
}

export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw invalid(`${what} is not UTF-8 JSON`, { cause: String(cause) });
  }
}
