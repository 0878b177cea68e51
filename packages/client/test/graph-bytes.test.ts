// The manifest bytes a walk holds (issue 19, "Memory caps by bytes"): an index whose children are each just under the
// manifest cap would be held whole, 4 MiB per child for up to 10 000 children. `maxGraphBytes` caps what one pull,
// push or copy holds, and refuses the child that would pass it before reading it.
import { OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client, type TransferEvent } from "../src/index.js";
import { resolveTransferOptions } from "../src/options.js";
import { fakeRegistry } from "./helpers/fake-registry.js";

const CHILD_BYTES = 300_000;

/** An index of `n` image manifests of ~300 kB each (an annotation pads them), sharing one config. */
function bigIndex(n: number) {
  const reg = fakeRegistry();
  const config = reg.addBlob(new TextEncoder().encode('{"architecture":"amd64","os":"linux"}'));
  const children = Array.from({ length: n }, (_, i) =>
    reg.addManifest(
      "a/b",
      undefined,
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { ...config, mediaType: "application/vnd.oci.image.config.v1+json" },
        layers: [],
        annotations: { pad: String(i).padEnd(CHILD_BYTES, "x") },
      },
      OCI_MANIFEST,
    ),
  );
  reg.addManifest("a/b", "v1", { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }, OCI_INDEX);
  return reg;
}

async function collect(events: AsyncIterable<TransferEvent>): Promise<TransferEvent[]> {
  const out: TransferEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const manifestGets = (reg: ReturnType<typeof fakeRegistry>) =>
  reg.transport.requests.filter((r) => r.method === "GET" && r.url.includes("/manifests/sha256:")).length;

describe("maxGraphBytes", () => {
  it("a pull refuses the graph with TOO_LARGE before reading past the cap, and stores nothing", async () => {
    const reg = bigIndex(20);
    const store = memoryStore();
    const client = new Client({ transport: reg.transport, store, maxGraphBytes: 1_000_000, concurrency: 2 });
    const events = await collect(client.registry(reg.origin).repo("a/b").pull("v1"));
    const last = events.at(-1);
    expect(last?.type).toBe("failed");
    if (last?.type === "failed") {
      expect(last.error.code).toBe("TOO_LARGE");
      expect(last.error.message).toMatch(/maxGraphBytes/);
    }
    // The index and three children fit in 1 MB; the rest are never fetched.
    expect(manifestGets(reg)).toBeLessThanOrEqual(4);
    expect(await store.resolve("v1")).toBeUndefined();
  });

  it("a copy refuses it too, before sending anything", async () => {
    const reg = bigIndex(20);
    const client = new Client({ transport: reg.transport, store: memoryStore(), maxGraphBytes: 1_000_000 });
    const registry = client.registry(reg.origin);
    const events = await collect(client.copy(registry.repo("a/b"), "v1", registry.repo("c/d")));
    const last = events.at(-1);
    expect(last?.type === "failed" && last.error.code).toBe("TOO_LARGE");
    expect(reg.transport.requests.filter((r) => r.method === "PUT" || r.method === "POST")).toEqual([]);
  });

  it("a graph under the cap pulls whole", async () => {
    const reg = bigIndex(5);
    const store = memoryStore();
    const client = new Client({ transport: reg.transport, store, maxGraphBytes: 2_000_000 });
    const events = await collect(client.registry(reg.origin).repo("a/b").pull("v1"));
    expect(events.at(-1)?.type).toBe("progress");
    expect((await store.resolve(`${new URL(reg.origin).host}/a/b:v1`))?.mediaType).toBe(OCI_INDEX);
  });

  it("defaults to 256 MiB, and must be positive", () => {
    expect(resolveTransferOptions({}).maxGraphBytes).toBe(256 * 1024 * 1024);
    expect(() => resolveTransferOptions({ maxGraphBytes: 0 })).toThrow(/maxGraphBytes/);
  });
});
