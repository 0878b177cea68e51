// `percent` is bytes done ÷ bytes of the whole transfer, with that whole known before any blob moves: manifests are
// read first, then the total is fixed and the percentage climbs with the bytes. Before the fix, a pull counted each
// manifest into the total as it read it, reached 99 on the first manifest, and stayed at 99 to the end.
import { type Descriptor, type TransferEvent, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { artifact, type Fixture, ociImage, pushFixture, referrersFallback, seededBytes } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

/** Eight layers of 512 KiB of random bytes (gzip cannot shrink them): a pull of ~4 MiB in many chunks. */
const LAYERS = Array.from({ length: 8 }, () => 512 * 1024);

const bytesOf = (fixture: Fixture) => fixture.blobs.reduce((sum, blob) => sum + blob.descriptor.size, 0);

/**
 * Asserts the events are strictly by bytes: before the plan nothing is counted (total 0, percent 0); from then on
 * the total is the whole transfer's, and every percent is ⌊bytes × 100 ÷ total⌋ (99 at most before the end). Returns
 * the distinct percents seen between 0 and 100.
 */
function byBytes(events: TransferEvent[], total: number): number[] {
  expect(succeeded(events)).toBe(true);
  const percents = new Set<number>();
  for (const event of events.slice(0, -1)) {
    if (event.type !== "progress") throw new Error("failed");
    if (event.totalBytes === 0) {
      expect(event).toMatchObject({ percent: 0, bytes: 0 });
      continue;
    }
    expect(event.totalBytes).toBe(total);
    expect(event.percent).toBe(Math.min(99, Math.floor((event.bytes * 100) / total)));
    if (event.percent > 0) percents.add(event.percent);
  }
  expect(events.at(-1)).toMatchObject({ percent: 100, bytes: total, totalBytes: total });
  return [...percents];
}

async function pushed(seed: string): Promise<{ repo: string; fixture: Fixture }> {
  const fixture = ociImage({ seed, layerSizes: LAYERS });
  const repo = uniqueRepo("progress");
  await pushFixture(fixture, { url: registries().plain.url, repo, tag: "v1" });
  return { repo, fixture };
}

describe("percent is by bytes of the whole transfer, known before the blobs flow", () => {
  it("climbs through many distinct percents across a multi-blob pull", async () => {
    const { plain } = registries();
    const { repo, fixture } = await pushed("progress-pull");
    const { client } = newClient();
    const events = await collect(client.registry(plain.url).repo(repo).pull("v1"));
    const seen = byBytes(events, bytesOf(fixture));
    // The old pull showed 0 and then 99 only.
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...seen)).toBeLessThan(50);
  });

  it("counts what the store already holds as done from the start, and the rest by bytes", async () => {
    const { plain } = registries();
    const { repo, fixture } = await pushed("progress-resume");
    const store = memoryStore();
    // Half the layers are in the store already.
    for (const blob of fixture.blobs.slice(0, 5)) await writeBlob(store, blob.descriptor, blob.bytes!);
    const { client } = newClient(store);
    const events = await collect(client.registry(plain.url).repo(repo).pull("v1"));
    const seen = byBytes(events, bytesOf(fixture));
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(40);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it("climbs by bytes across a push from the store", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "progress-push", layerSizes: LAYERS });
    const store = memoryStore();
    for (const blob of fixture.blobs) await writeBlob(store, blob.descriptor, blob.bytes!);
    const { client } = newClient(store);
    const events = await collect(
      client.registry(plain.url).repo(uniqueRepo("progress")).push(fixture.root, { tag: "v1" }),
    );
    expect(byBytes(events, bytesOf(fixture)).length).toBeGreaterThanOrEqual(5);
  });

  it("climbs by bytes across a copy, referrers included in the total from the start", async () => {
    const { plain } = registries();
    const { repo, fixture } = await pushed("progress-copy");
    const sbom = artifact({ subject: fixture.root, files: [{ data: seededBytes("progress-sbom", 1024 * 1024) }] });
    await pushFixture(sbom, { url: plain.url, repo });
    const fallback = referrersFallback(fixture.root, [sbom.root]);
    await pushFixture(fallback, { url: plain.url, repo, tag: fallback.tag });
    const { client } = newClient();
    const source = client.registry(plain.url).repo(repo);
    const destination = client.registry(plain.url).repo(uniqueRepo("progress"));
    const events = await collect(client.copy(source, "v1", destination, { referrers: true }));
    // The image, then the SBOM: the SBOM's bytes were in the total before the image's first blob moved.
    expect(byBytes(events, bytesOf(fixture) + bytesOf(sbom)).length).toBeGreaterThanOrEqual(5);
    expect(await destination.referrers(fixture.root as Descriptor)).toHaveLength(1);
  });

  it("climbs by bytes across an artifact push: files, config and manifest in the total from the start", async () => {
    const { plain } = registries();
    const files = LAYERS.map((size, i) => ({
      name: `part-${i}.bin`,
      data: seededBytes(`progress-artifact-${i}`, size),
    }));
    const { client } = newClient();
    const events = await collect(
      client
        .registry(plain.url)
        .repo(uniqueRepo("progress"))
        .pushArtifact(files, { artifactType: "application/vnd.example.parts.v1" }),
    );
    const root = (events.at(-1) as { root?: Descriptor }).root;
    // The empty config `{}` of an artifact without one (image-spec "Guidance for an Empty Descriptor"): 2 bytes.
    const total = files.reduce((sum, file) => sum + file.data.byteLength, 2 + (root?.size ?? 0));
    expect(byBytes(events, total).length).toBeGreaterThanOrEqual(5);
  });
});
