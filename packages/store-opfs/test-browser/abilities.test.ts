// What the client learnt about registries, kept in the store's directory as the fs store keeps it: read back per
// registry by a store opened later (a reload), hints only (anything malformed reads as nothing), cleared on request.
import { isAbilityKeeper } from "@toci/spec-types";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { storeDir, storeNames } from "./suite-setup.js";

const GHCR = "https://ghcr.io/";
const learnt = { referrersApi: { value: true, at: 1000 }, maxRequestBytes: { value: 4194304, at: 2000 } };
const fresh = storeNames("abilities");

/** Replaces the one record file in ingest/abilities/ with `text`. */
async function overwriteRecord(name: string, text: string): Promise<void> {
  const dir = await (await (await storeDir(name)).getDirectoryHandle("ingest")).getDirectoryHandle("abilities");
  const files: string[] = [];
  for await (const entry of dir.keys()) files.push(entry);
  expect(files).toHaveLength(1);
  const writable = await (await dir.getFileHandle(files[0]!)).createWritable();
  await writable.write(text);
  await writable.close();
}

it("keeps abilities per registry for a store opened later, and clears them", async () => {
  const name = fresh();
  const store = await opfsStore(name);
  expect(isAbilityKeeper(store)).toBe(true);
  expect(await store.getAbilities(GHCR)).toBeUndefined();
  await store.clearAbilities(); // nothing to clear: fine
  await store.setAbilities(GHCR, learnt);
  await store.close();

  const again = await opfsStore(name);
  expect(await again.getAbilities(GHCR)).toEqual(learnt);
  expect(await again.getAbilities("https://quay.io/")).toBeUndefined();
  await again.clearAbilities();
  expect(await again.getAbilities(GHCR)).toBeUndefined();
  await again.close();
});

it("reads a malformed record as nothing, and drops malformed entries", async () => {
  const name = fresh();
  const store = await opfsStore(name);
  await store.setAbilities(GHCR, learnt);
  await overwriteRecord(name, "{not json");
  expect(await store.getAbilities(GHCR)).toBeUndefined();
  // A record naming another registry (a file renamed or copied over) is not this registry's.
  await overwriteRecord(name, JSON.stringify({ registry: "https://elsewhere/", abilities: learnt }));
  expect(await store.getAbilities(GHCR)).toBeUndefined();
  const mixed = { ...learnt, bad: { value: "yes", at: 1 }, worse: null, nan: { value: 1, at: "x" } };
  await overwriteRecord(name, JSON.stringify({ registry: GHCR, abilities: mixed }));
  expect(await store.getAbilities(GHCR)).toEqual(learnt);
  await store.close();
});
