// Node side of the Chromium test of content in and out: a distribution 2.8.2 registry behind the fault proxy, which
// answers CORS (2.8.2 does not), holding an artifact (a file and an oras directory) and an image whose two layers
// (made by GNU tar) hold a whiteout. What the page needs is handed over through provide/inject.

import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { EMPTY_DESCRIPTOR, EMPTY_JSON, OCI_LAYER_GZIP, OCI_MANIFEST } from "@toci/spec-types";
import { blobOf, gnuTar, imageOfLayers, jsonBlob, pushFixture } from "@toci/testkit/fixtures";
import { startFaultProxy } from "@toci/testkit/proxy";
import { startRegistry } from "@toci/testkit/registry";
import type { TestProject } from "vitest/node";

/** What the browser test gets. */
export interface ContentSetup {
  /** The CORS-answering proxy's URL: the page's registry. */
  registry: string;
  /** `demo/artifact:v1`: `readme.txt` and the oras directory `site` (index.html, css/a.css). */
  artifact: { repo: string; digest: string };
  /** `demo/image:v1`: etc/hostname rewritten by the top layer, etc/secret deleted by a whiteout. */
  image: { repo: string; digest: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    content: ContentSetup;
  }
}

export const README = "read me, from a browser\n";

function artifactFixture() {
  const tar = gnuTar({ "site/index.html": "<h1>hi</h1>\n", "site/css/a.css": "a{}\n" }, { members: ["site"] });
  const directory = blobOf(OCI_LAYER_GZIP, gzipSync(tar), {
    annotations: {
      "org.opencontainers.image.title": "site",
      "io.deis.oras.content.digest": `sha256:${createHash("sha256").update(tar).digest("hex")}`,
      "io.deis.oras.content.unpack": "true",
    },
  });
  const file = blobOf("text/plain", new TextEncoder().encode(README), {
    annotations: { "org.opencontainers.image.title": "readme.txt" },
  });
  const empty = blobOf(EMPTY_DESCRIPTOR.mediaType, EMPTY_JSON);
  const manifest = jsonBlob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: "application/vnd.example.site",
    config: { ...EMPTY_DESCRIPTOR },
    layers: [file.descriptor, directory.descriptor],
  });
  return { root: manifest.descriptor, blobs: [empty, file, directory, manifest] };
}

export default async function setup(project: TestProject) {
  const registry = await startRegistry({ auth: "none" });
  const proxy = await startFaultProxy({ target: registry.url, cors: true });
  const artifact = artifactFixture();
  const image = imageOfLayers(
    [
      gnuTar({ "etc/hostname": "lower\n", "etc/secret": "gone\n", "bin/tool": "#!/bin/sh\n" }),
      gnuTar({ "etc/hostname": "upper\n", "etc/.wh.secret": "" }),
    ],
    { gzip: true },
  );
  await pushFixture(artifact, { url: registry.url, repo: "demo/artifact", tag: "v1" });
  await pushFixture(image, { url: registry.url, repo: "demo/image", tag: "v1" });
  project.provide("content", {
    registry: proxy.url,
    artifact: { repo: "demo/artifact", digest: artifact.root.digest },
    image: { repo: "demo/image", digest: image.root.digest },
  });
  return async () => {
    await proxy.stop();
    await registry.stop();
  };
}
