import { isBatchSourceRecorder, isSourceRecorder, type Store } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext } from "./context.js";
import { encoder, put, putImage } from "./helpers.js";

/** The suite's "sources" cases. */
export function sources(ctx: StoreContext): void {
  describe.skipIf(!ctx.capabilities.sources)("sources", () => {
    records(ctx);
  });
}

function records({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("records where a blob came from, once per repository, and forgets it with the blob", async () => {
    expect(isSourceRecorder(store)).toBe(true);
    if (!isSourceRecorder(store)) return;
    const kept = await putImage(store, "kept");
    await store.tag(kept.manifest, "v1");
    const loose = await put(store, encoder.encode("loose"));
    expect(await store.sources(kept.layer.digest)).toEqual([]);
    await Promise.all([
      store.recordSource(kept.layer.digest, "localhost:5000/a"),
      store.recordSource(kept.layer.digest, "localhost:5000/b"),
    ]);
    await store.recordSource(kept.layer.digest, "localhost:5000/a");
    await store.recordSource(loose.digest, "localhost:5000/a");
    expect((await store.sources(kept.layer.digest)).sort()).toEqual(["localhost:5000/a", "localhost:5000/b"]);
    await store.gc();
    expect(await store.sources(loose.digest)).toEqual([]);
    expect(await store.sources(kept.layer.digest)).toHaveLength(2);
    await store.remove(kept.layer);
    expect(await store.sources(kept.layer.digest)).toEqual([]);
  });

  it("a store that records many sources at once records each of them", async () => {
    if (!isSourceRecorder(store) || !isBatchSourceRecorder(store)) return;
    const one = await put(store, encoder.encode("batched one"));
    const two = await put(store, encoder.encode("batched two"));
    await store.recordSources([]);
    await store.recordSources([
      { digest: one.digest, repository: "localhost:5000/a" },
      { digest: two.digest, repository: "localhost:5000/a" },
      { digest: one.digest, repository: "localhost:5000/b" },
    ]);
    expect((await store.sources(one.digest)).sort()).toEqual(["localhost:5000/a", "localhost:5000/b"]);
    expect(await store.sources(two.digest)).toEqual(["localhost:5000/a"]);
  });
}
