// What the client learns about a registry, kept across runs where the store can keep it (issue 19, "Referrers and
// abilities"): a second client on the same layout does not probe again, a lesson older than abilitiesMaxAge is
// probed again, 0 keeps nothing, and a kept record is read as a hint (values that cannot be are dropped).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AbilityKeeper, type KeptAbilities, OCI_MANIFEST } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { Abilities } from "../src/internal/abilities.js";
import { silentLogger } from "../src/logger.js";
import { strict } from "../src/strict.js";
import { handlerTransport, json } from "./helpers/handler-transport.js";

const ORIGIN = "https://registry.example";
const SUBJECT = { mediaType: OCI_MANIFEST, digest: `sha256:${"7".repeat(64)}`, size: 10 } as const;
const DAY = 24 * 60 * 60 * 1000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "toci-abilities-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A registry without the referrers API (distribution 2.8.2's router 404) and no fallback tag: referrers are []. */
function registry() {
  return handlerTransport((req) => {
    const path = new URL(req.url).pathname;
    if (path.includes("/referrers/")) return new Response("404 page not found\n", { status: 404 });
    return json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
  });
}

const probes = (transport: ReturnType<typeof registry>) =>
  transport.requests.filter((r) => r.url.includes("/referrers/"));

/** One run of a command: a client on the layout, one referrers call, closed. */
async function run(options: { abilitiesMaxAge?: number } = {}) {
  const transport = registry();
  const client = new Client({ transport, store: await fsStore(dir), ...options });
  expect(await strict(client.registry(ORIGIN).repo("a/b")).referrers(SUBJECT)).toEqual([]);
  await client.close();
  return probes(transport).length;
}

describe("abilities kept in the store", () => {
  it("a later run on the same layout does not probe the referrers API again", async () => {
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    expect(await run()).toBe(0);
  });

  it("a lesson older than abilitiesMaxAge is probed again, and kept anew", async () => {
    const store = await fsStore(dir);
    await store.setAbilities(`${ORIGIN}/`, { referrersApi: { value: false, at: Date.now() - 2 * DAY } });
    expect(await run()).toBe(1);
    const kept = await store.getAbilities(`${ORIGIN}/`);
    expect(kept?.referrersApi?.value).toBe(false);
    expect(Date.now() - (kept?.referrersApi?.at ?? 0)).toBeLessThan(DAY);
    // A shorter max age makes even that fresh lesson too old.
    await new Promise((r) => setTimeout(r, 5));
    expect(await run({ abilitiesMaxAge: 1 })).toBe(1);
  });

  it("abilitiesMaxAge 0 neither reads nor keeps", async () => {
    expect(await run({ abilitiesMaxAge: 0 })).toBe(1);
    expect(await (await fsStore(dir)).getAbilities(`${ORIGIN}/`)).toBeUndefined();
    expect(await run({ abilitiesMaxAge: 0 })).toBe(1);
    expect(() => new Client({ transport: registry(), store: memoryStore(), abilitiesMaxAge: -1 })).toThrow(
      /abilitiesMaxAge/,
    );
  });

  it("a store without the ability probes in each client", async () => {
    const store = memoryStore();
    for (const expected of [1, 1]) {
      const transport = registry();
      const client = new Client({ transport, store });
      await strict(client.registry(ORIGIN).repo("a/b")).referrers(SUBJECT);
      expect(probes(transport)).toHaveLength(expected);
    }
  });
});

describe("Abilities read from a keeper", () => {
  function keeper(kept: KeptAbilities | undefined | Error): AbilityKeeper & { saved: KeptAbilities[] } {
    const saved: KeptAbilities[] = [];
    return {
      saved,
      getAbilities: async () => {
        if (kept instanceof Error) throw kept;
        return kept;
      },
      setAbilities: async (_registry, abilities) => {
        saved.push(abilities);
      },
      clearAbilities: async () => {},
    };
  }
  const keeping = (k: AbilityKeeper) => ({ keeper: k, registry: "r", maxAge: DAY, logger: silentLogger });

  it("takes lessons that can be, drops the rest and those from the future", async () => {
    const now = Date.now();
    const abilities = new Abilities(
      keeping(
        keeper({
          maxRequestBytes: { value: -5, at: now },
          chunkedBroken: { value: 1, at: now },
          multiTag: { value: true, at: now + DAY },
          referrersApi: { value: true, at: now - 1000 },
          unknown: { value: true, at: now },
        }),
      ),
    );
    await abilities.ready;
    expect(abilities.maxRequestBytes).toBeUndefined();
    expect(abilities.chunkedBroken).toBe(false);
    expect(abilities.multiTag).toBeUndefined();
    expect(abilities.referrersApi).toBe(true);
  });

  it("keeps each lesson with the ones read, and a keeper that fails reads as nothing", async () => {
    const k = keeper({ referrersApi: { value: true, at: Date.now() } });
    const abilities = new Abilities(keeping(k));
    await abilities.ready;
    abilities.learnRequestCap(4 * 1024 * 1024);
    abilities.learnMultiTag(false);
    await abilities.settled();
    expect(Object.keys(k.saved.at(-1) ?? {}).sort()).toEqual(["maxRequestBytes", "multiTag", "referrersApi"]);
    const broken = new Abilities(keeping(keeper(new Error("disk gone"))));
    await broken.ready;
    expect(broken.referrersApi).toBeUndefined();
  });
});
