// The one pager of tags, the catalog and referrers (issue 19): the `last` fallback after a full page without a Link,
// no Link followed outside the registry's API on its own origin (credentials go with it), and one cap on the bytes
// of all pages read, so that a registry streaming pages forever cannot fill the heap.
import { createHash } from "node:crypto";
import { OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client, type Logger } from "../src/index.js";
import { PAGE_LIMITS } from "../src/internal/pager.js";
import { fakeRegistry } from "./helpers/fake-registry.js";
import { type Handler, handlerTransport, json } from "./helpers/handler-transport.js";

const ORIGIN = "https://registry.example";
const SUBJECT = { mediaType: OCI_MANIFEST, digest: `sha256:${"5".repeat(64)}`, size: 10 } as const;

function recordingLogger() {
  const codes: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message) => warnings.push(message),
    error: (_message, fields) => codes.push((fields?.error as { code?: string } | undefined)?.code ?? "?"),
  };
  return { logger, codes, warnings };
}

function setup(handler: Handler) {
  const transport = handlerTransport(handler);
  const { logger, codes, warnings } = recordingLogger();
  const client = new Client({ transport, store: memoryStore(), logger });
  const registry = client.registry(ORIGIN, { auth: { type: "bearer", token: "secret" } });
  return { transport, registry, repo: registry.repo("a/b"), codes, warnings, client };
}

async function catalogNames(registry: ReturnType<typeof setup>["registry"], n?: number): Promise<string[]> {
  const names: string[] = [];
  for await (const page of registry.catalog(n === undefined ? {} : { n })) names.push(...page.map((r) => r.name));
  return names;
}

/** The three lists, each asked of a handler that serves the same page shape. */
const lists = {
  tags: {
    path: /\/tags\/list/,
    page: (i: number) => ({ tags: [`t${i}`] }),
    list: async (s: ReturnType<typeof setup>) => s.repo.tags(),
  },
  catalog: {
    path: /\/_catalog/,
    page: (i: number) => ({ repositories: [`r/${i}`] }),
    list: async (s: ReturnType<typeof setup>) => catalogNames(s.registry),
  },
  referrers: {
    path: /\/referrers\//,
    page: (i: number) => ({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: `sha256:${createHash("sha256").update(String(i)).digest("hex")}`,
          size: 1,
          artifactType: "application/x",
        },
      ],
    }),
    list: async (s: ReturnType<typeof setup>) => s.repo.referrers(SUBJECT),
  },
};

describe("the last fallback", () => {
  it("asks for the tags after a full page without a Link, until a page is short", async () => {
    const reg = fakeRegistry({ tagsPageSize: 1000, noLink: true });
    const all = Array.from({ length: 2500 }, (_, i) => `v${String(i).padStart(4, "0")}`);
    for (const tag of all) reg.addManifest("a/b", tag, { schemaVersion: 2, tag }, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: memoryStore() });
    const tags = await client.registry(reg.origin).repo("a/b").tags();
    expect(tags).toEqual(all);
    const lists = reg.transport.requests.filter((r) => r.url.includes("/tags/list"));
    expect(lists.map((r) => new URL(r.url).searchParams.get("last"))).toEqual([null, "v0999", "v1999"]);
  });

  it("asks for the catalog after a full page of n without a Link", async () => {
    const names = Array.from({ length: 25 }, (_, i) => `repo/r${String(i).padStart(2, "0")}`);
    const s = setup((req) => {
      const url = new URL(req.url);
      const n = Number(url.searchParams.get("n"));
      const last = url.searchParams.get("last");
      const start = last ? names.indexOf(last) + 1 : 0;
      return json({ repositories: names.slice(start, start + n) });
    });
    expect(await catalogNames(s.registry, 10)).toEqual(names);
    expect(s.transport.requests).toHaveLength(3);
  });
});

describe.each(Object.entries(lists))("%s pages", (_name, list) => {
  it("does not follow a Link outside /v2/ on the registry's origin, and says so", async () => {
    const s = setup((req) =>
      list.path.test(req.url)
        ? json(list.page(0), { headers: { link: '</admin/secret?n=1>; rel="next"' } })
        : json(list.page(1)),
    );
    expect(await list.list(s)).toHaveLength(1);
    expect(s.transport.requests.map((r) => new URL(r.url).pathname).filter((p) => p.startsWith("/admin"))).toEqual([]);
    expect(s.warnings.join("\n")).toMatch(/outside the registry's API/);
  });

  it("stops at the byte budget of all pages: TOO_LARGE, not the heap filled", async () => {
    // Endless pages of 1 MiB each (one new item, padded with spaces), each with a Link to the next.
    const padding = " ".repeat(1024 * 1024);
    let served = 0;
    const s = setup((req) => {
      if (!list.path.test(req.url)) return new Response(null, { status: 404 });
      served++;
      const link = `<${new URL(req.url).pathname}?page=${served}>; rel="next"`;
      return new Response(JSON.stringify(list.page(served)) + padding, {
        headers: { "content-type": "application/json", link },
      });
    });
    // tags and referrers resolve [] (the error is logged); the catalog has yielded the pages before the cap.
    const got = await list.list(s);
    const pagesInBudget = PAGE_LIMITS.bytes / (1024 * 1024);
    expect(got.length).toBeLessThan(pagesInBudget);
    expect(s.codes).toEqual(["TOO_LARGE"]);
    expect(served).toBeLessThanOrEqual(pagesInBudget + 1);
    await s.client.close();
  });
});
