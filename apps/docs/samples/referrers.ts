// Attach an artifact (an SBOM here) to an image, then list the image's referrers. Registries without the referrers
// API get the fallback tag `sha256-<hex>`, which toci keeps up to date when it pushes a manifest with a subject.
//   REGISTRY=localhost:5001 REPO=samples/hello TAG=v1 node dist/samples/referrers.js
import { Client, type Descriptor } from "@toci/client";
import { describe, EMPTY_DESCRIPTOR, EMPTY_JSON, type Manifest, OCI_MANIFEST } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/hello";
const tag = process.env.TAG ?? "v1";
const artifactType = "application/spdx+json";

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

const subject = await repo.resolve(tag);
if (!subject) process.exit(1);

// The artifact: an empty config, one layer holding the SBOM, and the image as its subject.
const sbom = new TextEncoder().encode(JSON.stringify({ spdxVersion: "SPDX-2.3", name: repoName }));
const layer = await describe(sbom, { mediaType: artifactType });
const blobs: [Uint8Array, Descriptor][] = [
  [EMPTY_JSON, { ...EMPTY_DESCRIPTOR }],
  [sbom, layer],
];
for (const [bytes, descriptor] of blobs) {
  for await (const event of repo.push(bytes, descriptor)) {
    if (event.type === "failed") throw event.error;
  }
}
const manifest: Manifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  artifactType,
  config: { ...EMPTY_DESCRIPTOR },
  layers: [layer],
  subject,
  annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" },
};
// Tagging by digest-less push: `tag` PUTs the manifest; its subject updates the referrers index.
const pushed = await repo.tag(manifest, "sbom");
console.log(`pushed the SBOM as ${pushed?.digest}`);

for (const referrer of await repo.referrers(subject, { artifactType })) {
  console.log(`${referrer.digest} ${referrer.artifactType}`);
}
