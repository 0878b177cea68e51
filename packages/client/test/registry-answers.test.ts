// Branches of the push protocol that only a registry's particular answer reaches (issue 19, "Every half-tested branch
// gets its test"): a PUT with `?tag=` confirmed by `OCI-Tag` (one request, learnt for the registry) or not (one PUT
// per tag), and an upload session the registry refused for good, cancelled with DELETE (kept when the failure may
// pass).
import { createHash } from "node:crypto";
import { type Descriptor, OCI_MANIFEST } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client, type TransferEvent } from "../src/index.js";
import { strict } from "../src/strict.js";
import { handlerTransport, json } from "./helpers/handler-transport.js";

const ORIGIN = "https://registry.example";
const sha = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Descriptor["digest"];
const EMPTY = { mediaType: "application/vnd.oci.empty.v1+json", digest: sha(new TextEncoder().encode("{}")), size: 2 };
const MANIFEST = new TextEncoder().encode(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY, layers: [] }),
);

async function collect(events: AsyncIterable<TransferEvent>): Promise<TransferEvent[]> {
  const out: TransferEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe("?tag= on a manifest PUT", () => {
  function registry(confirm: boolean) {
    const puts: string[] = [];
    const transport = handlerTransport(async (req) => {
      const url = new URL(req.url);
      if (req.method === "PUT" && url.pathname.startsWith("/v2/a/b/manifests/")) {
        const bytes = new Uint8Array(await req.arrayBuffer());
        puts.push(`${url.pathname.slice("/v2/a/b/manifests/".length)}${url.search}`);
        const tags = url.searchParams.getAll("tag");
        const headers: Record<string, string> = { "docker-content-digest": sha(bytes) };
        if (confirm && tags.length) headers["oci-tag"] = tags.join(", ");
        return new Response(null, { status: 201, headers });
      }
      return json({ errors: [{ code: "NOT_FOUND" }] }, { status: 404 });
    });
    return { transport, puts };
  }

  it("a registry that confirms every tag with OCI-Tag gets one request, and again the next time", async () => {
    const { transport, puts } = registry(true);
    const repo = strict(new Client({ transport, store: memoryStore() }).registry(ORIGIN).repo("a/b"));
    const descriptor = await repo.tag(MANIFEST, ["v1", "latest", "stable"]);
    expect(descriptor.digest).toBe(sha(MANIFEST));
    expect(puts).toEqual([`${descriptor.digest}?tag=v1&tag=latest&tag=stable`]);
    await repo.tag(MANIFEST, ["v2", "v3"]);
    expect(puts).toHaveLength(2);
  });

  it("a registry that ignores it gets one PUT per tag, and is not asked with ?tag= again", async () => {
    const { transport, puts } = registry(false);
    const repo = strict(new Client({ transport, store: memoryStore() }).registry(ORIGIN).repo("a/b"));
    const descriptor = await repo.tag(MANIFEST, ["v1", "latest"]);
    expect(puts).toEqual([`${descriptor.digest}?tag=v1&tag=latest`, "v1", "latest"]);
    await repo.tag(MANIFEST, ["v2", "v3"]);
    expect(puts.slice(3)).toEqual(["v2", "v3"]);
  });
});

describe("an upload session that failed", () => {
  function registry(finalAnswer: () => Response) {
    const deleted: string[] = [];
    const started: string[] = [];
    const transport = handlerTransport(async (req) => {
      const url = new URL(req.url);
      if (req.method === "POST" && url.pathname === "/v2/a/b/blobs/uploads/") {
        started.push(url.pathname);
        return new Response(null, { status: 202, headers: { location: "/v2/a/b/blobs/uploads/s1?_state=abc" } });
      }
      if (url.pathname === "/v2/a/b/blobs/uploads/s1") {
        if (req.method === "DELETE") {
          deleted.push(url.pathname);
          return new Response(null, { status: 204 });
        }
        await req.arrayBuffer();
        return finalAnswer();
      }
      return json({ errors: [{ code: "BLOB_UNKNOWN" }] }, { status: 404 });
    });
    return { transport, deleted, started };
  }

  const blob = new TextEncoder().encode("hello, registry");
  const expected = { mediaType: "application/octet-stream", digest: sha(blob), size: blob.byteLength };

  // DIGEST_INVALID gets one fresh session (upload.ts, sessionBroken: the bytes sent were verified, so another
  // writer broke the session), and then is the answer.
  it.each([
    ["DIGEST_INVALID", 400, 2],
    ["DENIED", 403, 1],
  ])("refused for good (%s): each session is cancelled with DELETE", async (code, status, sessions) => {
    const { transport, deleted, started } = registry(() => json({ errors: [{ code, message: "no" }] }, { status }));
    const client = new Client({ transport, store: memoryStore() });
    const events = await collect(client.registry(ORIGIN).repo("a/b").push(blob, expected));
    const last = events.at(-1);
    expect(last?.type === "failed" && last.error.code).toBe(code);
    expect(started).toHaveLength(sessions);
    expect(deleted).toEqual(Array(sessions).fill("/v2/a/b/blobs/uploads/s1"));
  });

  it("a failure that may pass (503): the session is kept for the next attempt, not cancelled", async () => {
    const { transport, deleted } = registry(() => json({ errors: [{ code: "UNAVAILABLE" }] }, { status: 503 }));
    const client = new Client({ transport, store: memoryStore() });
    const events = await collect(client.registry(ORIGIN).repo("a/b").push(blob, expected));
    expect(events.at(-1)?.type).toBe("failed");
    expect(deleted).toEqual([]);
  });
});
