// `toci layout forget` (issue 19, "Referrers and abilities"): what the client learnt about registries is kept in the
// layout for a day, so each run does not probe again; forgetting it makes the next command probe afresh.
import { join } from "node:path";
import { fsStore } from "@toci/store-fs";
import { describe, expect, it } from "vitest";
import { tempDir, toci, tociJson } from "./helpers.js";

describe("toci layout forget", () => {
  it("forgets what was learnt about every registry, and leaves the layout's content alone", async () => {
    const dir = join(tempDir(), "store");
    const store = await fsStore(dir);
    const lesson = { referrersApi: { value: false, at: Date.now() } };
    await store.setAbilities("https://ghcr.io/", lesson);
    await store.setAbilities("http://127.0.0.1:5000/", lesson);
    expect(await tociJson(["layout", "forget", "--store", dir])).toEqual({ store: dir, forgotten: true });
    expect(await store.getAbilities("https://ghcr.io/")).toBeUndefined();
    expect(await store.getAbilities("http://127.0.0.1:5000/")).toBeUndefined();
    const again = await toci(["layout", "forget", "--store", dir]);
    expect(again.code).toBe(0);
    expect((await toci(["layout", "ls", "--store", dir])).code).toBe(0);
  });

  it("refuses a directory that is not a layout", async () => {
    const result = await toci(["layout", "forget", "--store", join(tempDir(), "nothing")]);
    expect(result.code).not.toBe(0);
  });
});
