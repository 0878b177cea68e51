// Artifacts built to the oras documentation (https://oras.land/docs/concepts/artifact and the oras-go file store:
// `org.opencontainers.image.title` names each file; a directory is a tar+gzip of it, its entries under its name,
// annotated `io.deis.oras.content.unpack: "true"` and `io.deis.oras.content.digest` = the uncompressed tar's
// digest), pushed to the tests' registry, and what a directory on disk holds, for comparing.
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { EMPTY_DESCRIPTOR, EMPTY_JSON, OCI_LAYER_GZIP, OCI_MANIFEST } from "@toci/spec-types";
import { blobOf, type Fixture, type FixtureBlob, jsonBlob, pushFixture, sha256 } from "@toci/testkit/fixtures";
import { registries } from "./helpers.js";

export const TITLE = "org.opencontainers.image.title";
export const UNPACK = "io.deis.oras.content.unpack";
export const CONTENT_DIGEST = "io.deis.oras.content.digest";

/** A file layer titled `title` (oras's default media type for files unless given). */
export function orasFile(title: string | undefined, data: string | Uint8Array, mediaType?: string): FixtureBlob {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return blobOf(
    mediaType ?? "application/vnd.oci.image.layer.v1.tar",
    bytes,
    title ? { annotations: { [TITLE]: title } } : {},
  );
}

/** A directory layer: the gzip of `tar` (whose entries should sit under `title`), with the oras annotations. */
export function orasDirectory(title: string, tar: Uint8Array, options: { contentDigest?: string } = {}): FixtureBlob {
  return blobOf(OCI_LAYER_GZIP, gzipSync(tar), {
    annotations: { [TITLE]: title, [CONTENT_DIGEST]: options.contentDigest ?? sha256(tar), [UNPACK]: "true" },
  });
}

/** A manifest of `layers`: oras 1.1's (empty config, `artifactType`), or oras 1.0's (a config of its own type). */
export function orasManifest(
  layers: readonly FixtureBlob[],
  options: { artifactType?: string; configType?: string } = {},
): Fixture {
  const config = options.configType
    ? blobOf(options.configType, EMPTY_JSON)
    : blobOf(EMPTY_DESCRIPTOR.mediaType, EMPTY_JSON);
  const manifest = jsonBlob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: options.configType ? config.descriptor : { ...EMPTY_DESCRIPTOR },
    layers: layers.map((l) => l.descriptor),
    annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" },
  });
  const seen = new Set<string>();
  const blobs = [config, ...layers, manifest].filter(
    (b) => !seen.has(b.descriptor.digest) && seen.add(b.descriptor.digest),
  );
  return { root: manifest.descriptor, blobs };
}

let counter = 0;

/** Pushes a fixture to the plain registry under a fresh repository; resolves its reference (`host/repo:v1`). */
export async function pushed(fixture: Fixture, prefix = "cli/content"): Promise<string> {
  const { plain } = registries();
  const repo = `${prefix}-${process.pid}-${counter++}`;
  await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
  return `${plain.host}/${repo}:v1`;
}

/** Every path under a directory, relative and sorted, without following symlinks: `name` (`name/` for dirs). */
export function listTree(root: string, at = ""): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(root, at)).sort()) {
    const rel = at ? `${at}/${name}` : name;
    const stat = fs.lstatSync(path.join(root, rel));
    out.push(stat.isDirectory() ? `${rel}/` : rel);
    if (stat.isDirectory()) out.push(...listTree(root, rel));
  }
  return out;
}
