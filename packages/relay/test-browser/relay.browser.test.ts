// In Chromium: a page on one origin (vitest's server) pulls and pushes, with credentials, from a token-auth
// distribution 2.8.2 through the relay on another origin. Real CORS: every request with Authorization is
// preflighted, and the registry itself answers no CORS at all (and 401 to preflights).
import { Client } from "@toci/client";
import { type Descriptor, describe as describeBlob, type TransferEvent, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";
import { describe, expect, inject, it } from "vitest";

const setup = inject("relay");

async function last(events: AsyncIterable<TransferEvent>): Promise<TransferEvent> {
  let end: TransferEvent | undefined;
  for await (const e of events) end = e;
  if (end?.type === "failed")
    throw new Error(`${end.error.code}: ${end.error.message} ${JSON.stringify(end.error.detail)}`);
  return end!;
}

/** An OCI image of random layers of these sizes, built here (the testkit's fixtures need node:crypto). */
async function smallImage(layerSizes: number[]) {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const blobs: { descriptor: Descriptor; bytes: Uint8Array }[] = [];
  const add = async (bytes: Uint8Array, mediaType: string) => {
    const descriptor = await describeBlob(bytes, { mediaType });
    blobs.push({ descriptor, bytes });
    return descriptor;
  };
  const layers = [];
  for (const size of layerSizes) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
    layers.push(await add(bytes, "application/vnd.oci.image.layer.v1.tar"));
  }
  const config = await add(
    json({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers };
  const root = await add(json(manifest), manifest.mediaType);
  return { root, blobs };
}

function registryVia(client: Client, name = "reg") {
  return client.registry(`${setup.relayUrl}/${name}`, { auth: { type: "basic", ...setup.credentials } });
}

describe("the relay, from a page on another origin (Chromium)", () => {
  it("is on another origin than the page, and the registry is on a third", () => {
    expect(new URL(setup.relayUrl).origin).not.toBe(location.origin);
  });

  it("pulls one platform of an image with credentials (token flow through the relay)", async () => {
    await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
    const end = await last(registryVia(client).repo("demo/multi").pull("v1", { platform: "linux/arm64" }));
    expect(end).toMatchObject({ type: "progress", percent: 100 });
    for (const blob of setup.arm64) expect(await client.store.exists(blob)).toBe(true);
    expect((await client.store.resolve("v1"))?.digest).toBe(setup.arm64[0]!.digest);
  });

  it("pushes an image with the client, monolithic and chunked, then pulls it back (HTTP/1.1 all the way)", async () => {
    // The client hands fetchTransport each upload body as a stream (from the store); Chromium sends streams only over
    // HTTP/2, so in a page the transport reads each into a Blob first (one request's worth).
    const image = await smallImage([300_000, 2048]);
    const store = memoryStore();
    for (const blob of image.blobs) await writeBlob(store, blob.descriptor, blob.bytes);
    await using client = new Client({ transport: fetchTransport(), store });
    await last(registryVia(client).repo("demo/pushed").push(image.root, { tag: "v1" }));
    const chunked = client.registry(`${setup.relayUrl}/reg`, {
      auth: { type: "basic", ...setup.credentials },
      monolithicMax: 1,
      chunkSize: 100_000,
    });
    await last(chunked.repo("demo/pushed-chunked").push(image.root, { tag: "v1" }));
    for (const repo of ["demo/pushed", "demo/pushed-chunked"]) {
      await using back = new Client({ transport: fetchTransport(), store: memoryStore() });
      const end = await last(registryVia(back).repo(repo).pull("v1"));
      expect(end, repo).toMatchObject({ type: "progress", percent: 100 });
      for (const blob of image.blobs) expect(await back.store.exists(blob.descriptor), repo).toBe(true);
    }
  });

  it("takes an upload (POST, then PUT on the Location it rewrote), the token got through the realm it rewrote", async () => {
    // By hand, with fetch: what the client does above, request by request.
    const base = `${setup.relayUrl}/reg/v2/demo/from-browser`;
    const challenge = (await fetch(`${base}/blobs/uploads/`, { method: "POST" })).headers.get("www-authenticate")!;
    const realm = /realm="([^"]+)"/.exec(challenge)![1]!;
    expect(realm.startsWith(`${setup.relayUrl}/reg/_token/`)).toBe(true);
    const basic = `Basic ${btoa(`${setup.credentials.username}:${setup.credentials.password}`)}`;
    const scope = "repository:demo/from-browser:pull,push";
    const tokenResponse = await fetch(`${realm}?service=${/service="([^"]+)"/.exec(challenge)![1]}&scope=${scope}`, {
      headers: { authorization: basic },
    });
    const { token } = (await tokenResponse.json()) as { token: string };
    const authorization = `Bearer ${token}`;
    const started = await fetch(`${base}/blobs/uploads/`, { method: "POST", headers: { authorization } });
    expect(started.status).toBe(202);
    const location = started.headers.get("location")!;
    expect(location.startsWith(`${base}/blobs/uploads/`)).toBe(true);
    const bytes = new Uint8Array(300_000);
    // getRandomValues fills at most 64 KiB at a time.
    for (let i = 0; i < bytes.length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
    const desc = await describeBlob(bytes, { mediaType: "application/octet-stream" });
    const put = await fetch(`${location}&digest=${encodeURIComponent(desc.digest)}`, {
      method: "PUT",
      body: bytes,
      headers: { authorization, "content-type": "application/octet-stream" },
    });
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(desc.digest);
    await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
    expect(await registryVia(client).repo("demo/from-browser").exists(desc)).toBe(true);
  });

  it("answers an upstream it does not list with a 404 the page can read", async () => {
    const response = await fetch(`${setup.relayUrl}/ghcr.io/v2/`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("NAME_UNKNOWN");
    await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
    expect(await registryVia(client, "ghcr.io").ping()).toBe(false);
  });

  it("refuses a page on another origin: the browser shows it nothing", async () => {
    const frame = document.createElement("iframe");
    const message = new Promise<{ stranger: Record<string, unknown> }>((resolve) => {
      const onMessage = (event: MessageEvent) => {
        if (event.data?.stranger) {
          window.removeEventListener("message", onMessage);
          resolve(event.data);
        }
      };
      window.addEventListener("message", onMessage);
    });
    frame.src = setup.strangerUrl;
    document.body.append(frame);
    try {
      const { stranger } = await message;
      expect(stranger).toEqual({ simple: "TypeError", preflighted: "TypeError" });
    } finally {
      frame.remove();
    }
  });
});
