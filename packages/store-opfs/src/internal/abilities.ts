// What the client learnt about registries (AbilityKeeper, an optional ability of the Store contract), kept as the
// fs store keeps it:
//   ingest/abilities/<sha256 of the registry>.json   {"registry": "...", "abilities": {name: {value, at}}}
// so that a page does not probe a registry again after each reload. Hints, like upload sessions: an oversized or
// malformed file reads as nothing (the client probes again), and the client decides what expires.
import {
  type AbilityKeeper,
  digestOf,
  guardWebStorage as guard,
  type KeptAbilities,
  keptAbilities,
  parseDigest,
} from "@toci/spec-types";
import {
  ABILITIES_DIR,
  dirIfPresent,
  type Layout,
  parseJsonObject,
  readSmallFile,
  removeIfPresent,
  replaceFile,
} from "./layout.js";

/** A record is a few booleans and numbers; 64 KiB leaves room for many more of them. */
const MAX_ABILITIES_FILE = 64 * 1024;

async function abilitiesFile(registry: string): Promise<string> {
  return `${parseDigest(await digestOf(registry)).encoded}.json`;
}

export function registryAbilities(layout: Layout): AbilityKeeper {
  const existing = () => dirIfPresent(layout.ingest, ABILITIES_DIR);
  return {
    getAbilities: (registry) =>
      guard("cannot read what was learnt about a registry", async (): Promise<KeptAbilities | undefined> => {
        const dir = await existing();
        const bytes = dir && (await readSmallFile(dir, await abilitiesFile(registry), MAX_ABILITIES_FILE));
        const value = bytes && parseJsonObject(bytes);
        // The file names its registry: a renamed or copied file is not this registry's record.
        if (!value || value.registry !== registry) return undefined;
        return keptAbilities(value.abilities);
      }),
    setAbilities: (registry, abilities) =>
      guard("cannot keep what was learnt about a registry", async () => {
        const dir = await layout.ingest.getDirectoryHandle(ABILITIES_DIR, { create: true });
        await replaceFile(dir, await abilitiesFile(registry), JSON.stringify({ registry, abilities }));
      }),
    clearAbilities: () =>
      guard("cannot forget what was learnt about registries", async () => {
        const dir = await existing();
        if (!dir) return;
        const names: string[] = [];
        for await (const name of dir.keys()) if (name.endsWith(".json")) names.push(name);
        for (const name of names) await removeIfPresent(dir, name);
      }),
  };
}
