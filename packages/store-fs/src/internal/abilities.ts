// What the client learnt about registries (AbilityKeeper, an optional ability of the Store contract):
//   ingest/abilities/<sha256 of registry>.json   {"registry": "...", "abilities": {name: {value, at}}}
// So that each run of a command does not probe a registry again. Hints, like upload sessions: an oversized,
// unreadable or malformed file reads as nothing (the client probes again), and the client decides what expires.
import { join } from "node:path";
import {
  type AbilityKeeper,
  digestOf,
  type KeptAbilities,
  keptAbilities,
  parseDigest,
  toOciError,
} from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { parseJsonObject, replaceFile, storeOp, unlinkIfPresent } from "./files.js";
import { type Layout, MAX_SMALL_FILE } from "./layout.js";
import { readSmall } from "./read-small.js";

/** What was learnt about registries, kept in the layout. */
export function registryAbilities(layout: Layout): AbilityKeeper {
  const { fs, paths } = layout;
  const pathOf = async (registry: string): Promise<string> =>
    join(paths.abilities, `${parseDigest(await digestOf(registry)).encoded}.json`);
  return {
    async getAbilities(registry: string): Promise<KeptAbilities | undefined> {
      try {
        const bytes = await readSmall(fs, await pathOf(registry), MAX_SMALL_FILE);
        const value = bytes && parseJsonObject(bytes);
        // The file names its registry: a hash collision or a renamed file is not this registry's record.
        if (!value || value.registry !== registry) return undefined;
        return keptAbilities(value.abilities);
      } catch (error) {
        if (errorCode(error) === "ENOENT") return undefined;
        throw toOciError(error, "STORE", "cannot read what was learnt about a registry");
      }
    },
    async setAbilities(registry: string, abilities: KeptAbilities): Promise<void> {
      layout.writable();
      const path = await pathOf(registry);
      await storeOp("cannot keep what was learnt about a registry", async () => {
        await fs.mkdir(paths.abilities, { recursive: true });
        await replaceFile(fs, path, JSON.stringify({ registry, abilities }), { tmpDir: paths.ingest });
      });
    },
    async clearAbilities(): Promise<void> {
      layout.writable();
      await storeOp("cannot forget what was learnt about registries", async () => {
        const names = await fs.readdir(paths.abilities).catch((error: unknown) => {
          if (errorCode(error) === "ENOENT") return [] as string[];
          throw error;
        });
        for (const name of names) {
          if (name.endsWith(".json")) await unlinkIfPresent(fs, join(paths.abilities, name));
        }
      });
    },
  };
}
