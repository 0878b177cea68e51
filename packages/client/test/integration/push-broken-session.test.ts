// A 400 DIGEST_INVALID on the closing PUT of a blob upload, as distribution 2.8.2 answers when several processes
// finish one shared upload session at once (the first commit moves the session's data away; the second hashes what
// is left: nothing). Every byte toci sends is verified on its way out, so the session is broken, not the content:
// the blob may be there (another writer committed it) or not (a fresh session sends it again, once).
import { type Descriptor, describe as describeContent } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { seededBytes } from "@toci/testkit/fixtures";
import { type FaultAction, respond } from "@toci/testkit/proxy";
import { describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, succeeded, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");

const digestInvalid = {
  body: { errors: [{ code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" }] },
};

/** The registry commits the PUT, but its answer is replaced with DIGEST_INVALID (what the losing writer sees). */
const committedButRefused: FaultAction = {
  name: "committed, answered DIGEST_INVALID",
  async responseHead(ctx) {
    await ctx.send(400, { "content-type": "application/json" }, JSON.stringify(digestInvalid.body));
    return true;
  },
};

/** The closing PUT of an upload session (the one carrying `?digest=`). */
const closingPut = { method: "PUT", path: /\/blobs\/uploads\/.*[?&]digest=/ };

const requests = (method: string, path: RegExp) =>
  proxy.requests.filter((r) => r.method === method && path.test(r.path));
const posts = () => requests("POST", /\/blobs\/uploads\/$/);

async function blob(seed: string): Promise<{ bytes: Uint8Array; desc: Descriptor }> {
  const bytes = seededBytes(seed, 3_000_000);
  return { bytes, desc: await describeContent(bytes) };
}

/** A chunked push (1 MB chunks) of `data` through the proxy into a new repository. */
async function push(data: { bytes: Uint8Array; desc: Descriptor }, repo: string) {
  const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
  const events = await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc));
  return { client, events, repo: client.registry(proxy.url).repo(repo) };
}

describe("DIGEST_INVALID on the closing PUT (a session broken by another writer)", () => {
  it("another writer committed the blob meanwhile: HEAD finds it, no second upload", async () => {
    const data = await blob("broken-committed");
    proxy.clearRequests();
    const rule = proxy.on({ ...closingPut, times: 1 }, committedButRefused);
    const { events, repo } = await push(data, uniqueRepo("broken-committed"));
    rule.remove();
    expect(succeeded(events)).toBe(true);
    expect(posts()).toHaveLength(1);
    expect(requests("PATCH", /\/blobs\/uploads\//)).toHaveLength(3); // 3 × 1 MB, sent once
    expect(requests("PUT", /\/blobs\/uploads\//)).toHaveLength(1);
    expect(await repo.exists(data.desc)).toBe(true);
  });

  it("the blob is not there: one fresh session sends it again", async () => {
    const data = await blob("broken-fresh");
    proxy.clearRequests();
    const rule = proxy.on({ ...closingPut, times: 1 }, respond(400, digestInvalid));
    const { events, repo } = await push(data, uniqueRepo("broken-fresh"));
    rule.remove();
    expect(succeeded(events)).toBe(true);
    expect(posts()).toHaveLength(2);
    expect(await repo.exists(data.desc)).toBe(true);
  });

  it("a registry that refuses the digest every time: two sessions, then the registry's error", async () => {
    const data = await blob("broken-always");
    proxy.clearRequests();
    const rule = proxy.on(closingPut, respond(400, digestInvalid));
    const { events, repo } = await push(data, uniqueRepo("broken-always"));
    rule.remove();
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "DIGEST_INVALID", status: 400 } });
    expect(posts()).toHaveLength(2);
    expect(await repo.exists(data.desc)).toBe(false);
  });
});
