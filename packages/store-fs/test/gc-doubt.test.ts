// gc deletes nothing it cannot prove unreachable (issue 19). Layouts written by other tools hold manifests toci's
// strict parser refuses: an annotation that is null, an image-spec 1.1-rc artifact manifest, a manifest over the
// registries' 4 MiB cap. skopeo and others read such layouts; gc must keep what those manifests name, and say so.
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import {
  type Descriptor,
  describe as describeContent,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FsStoreWarning, fsStore } from "../src/index.js";
import { blobFile, tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-fs-gc-doubt-"));
});
afterEach(async () => {
  await dispose();
});

/** Writes a blob into the layout behind the store's back, as another tool would. */
async function blob(mediaType: string, content: string | object): Promise<Descriptor> {
  const bytes = new TextEncoder().encode(typeof content === "string" ? content : JSON.stringify(content));
  const descriptor = await describeContent(bytes, { mediaType });
  await nodeFs.mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await nodeFs.writeFile(blobFile(dir, descriptor.digest), bytes);
  return descriptor;
}

const ARTIFACT_MANIFEST = "application/vnd.oci.artifact.manifest.v1+json";

/** A root manifest of each kind the strict parser refuses, and the config and layer it names. */
async function doubtfulRoot(kind: string): Promise<{ root: Descriptor; named: Descriptor[] }> {
  const config = await blob(OCI_CONFIG, { kind });
  const layer = await blob(OCI_LAYER_GZIP, `layer of ${kind}`);
  if (kind === "an artifact manifest of image-spec 1.1-rc") {
    const root = await blob(ARTIFACT_MANIFEST, {
      mediaType: ARTIFACT_MANIFEST,
      artifactType: "x",
      blobs: [config, layer],
    });
    return { root, named: [config, layer] };
  }
  const annotations = kind === "a null annotation" ? { "org.example": null } : { pad: "x".repeat(5 * 1024 * 1024) };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer], annotations };
  return { root: await blob(OCI_MANIFEST, manifest), named: [config, layer] };
}

describe("gc on doubt", () => {
  it.each(["a null annotation", "an artifact manifest of image-spec 1.1-rc", "a manifest over 4 MiB"])(
    "keeps what a root names when its manifest has %s, deletes the rest, and says what it kept",
    async (kind) => {
      const warnings: FsStoreWarning[] = [];
      const store = await fsStore(dir, { onWarning: (w) => warnings.push(w) });
      const { root, named } = await doubtfulRoot(kind);
      const unreachable = await blob(OCI_LAYER_GZIP, "nobody names this");
      await store.tag(root, "v1");
      expect(await store.gc()).toEqual([unreachable.digest]);
      for (const d of [root, ...named]) expect(await store.exists(d)).toBe(true);
      expect(warnings).toEqual([
        expect.objectContaining({
          code: "GC_KEPT",
          kept: [{ digest: root.digest, reason: expect.stringContaining("not a valid manifest"), kept: "named" }],
        }),
      ]);
    },
  );
});
