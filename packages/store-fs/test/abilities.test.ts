// What the client learnt about registries, kept in the layout (issue 19, "Referrers and abilities"): read back per
// registry, hints only (anything malformed reads as nothing), cleared on request, and never through a symlink.
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { isAbilityKeeper, isOciError } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-fs-abilities-"));
});
afterEach(async () => {
  await dispose();
});

const GHCR = "https://ghcr.io/";
const learnt = { referrersApi: { value: true, at: 1000 }, maxRequestBytes: { value: 4194304, at: 2000 } };

describe("registry abilities", () => {
  it("are kept per registry across store instances, and cleared", async () => {
    const store = await fsStore(dir);
    expect(isAbilityKeeper(store)).toBe(true);
    expect(await store.getAbilities(GHCR)).toBeUndefined();
    await store.setAbilities(GHCR, learnt);
    const again = await fsStore(dir);
    expect(await again.getAbilities(GHCR)).toEqual(learnt);
    expect(await again.getAbilities("https://quay.io/")).toBeUndefined();
    await again.clearAbilities();
    expect(await store.getAbilities(GHCR)).toBeUndefined();
    await again.clearAbilities(); // nothing to clear: fine
  });

  it("read malformed records as nothing, and drop malformed entries", async () => {
    const store = await fsStore(dir);
    await store.setAbilities(GHCR, learnt);
    const [file] = await nodeFs.readdir(join(dir, "ingest", "abilities"));
    const path = join(dir, "ingest", "abilities", file!);
    await nodeFs.writeFile(path, "{not json");
    expect(await store.getAbilities(GHCR)).toBeUndefined();
    // A record naming another registry (a file renamed or copied over) is not this registry's.
    await nodeFs.writeFile(path, JSON.stringify({ registry: "https://elsewhere/", abilities: learnt }));
    expect(await store.getAbilities(GHCR)).toBeUndefined();
    const mixed = { ...learnt, bad: { value: "yes", at: 1 }, worse: null, nan: { value: 1, at: "x" } };
    await nodeFs.writeFile(path, JSON.stringify({ registry: GHCR, abilities: mixed }));
    expect(await store.getAbilities(GHCR)).toEqual(learnt);
  });

  it("are not written in a read-only layout", async () => {
    await fsStore(dir);
    const store = await fsStore(dir, { readOnly: true });
    const error = await store.setAbilities(GHCR, learnt).catch((e: unknown) => e);
    expect(isOciError(error)).toBe(true);
  });

  it("a layout whose abilities directory is a symlink is refused", async () => {
    await fsStore(dir);
    const outside = join(dir, "..", `${dir.split("/").at(-1)}-outside`);
    await nodeFs.mkdir(outside, { recursive: true });
    try {
      await nodeFs.symlink(outside, join(dir, "ingest", "abilities"));
      const error = await fsStore(dir).catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("STORE");
    } finally {
      await nodeFs.rm(outside, { recursive: true, force: true });
    }
  });
});
