// In Chromium, against a real registry (through a proxy that answers CORS): an artifact pulled into IndexedDB lists
// its files (the client's artifactFiles) and opens one, and its oras directory unpacks; an image pulled there opens
// a file of its merged filesystem (imageFile, the whiteout applied); the image is exported as an archive and offered
// as a download through a Blob URL, whose bytes import back to the same image.
import { artifactFiles, Client } from "@toci/client";
import type { Descriptor, TransferEvent } from "@toci/spec-types";
import { indexedDbStore } from "@toci/store-indexeddb";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";
import { describe, expect, inject, it } from "vitest";
import { exportArchive } from "../src/export-archive.js";
import { imageFile } from "../src/image-file.js";
import { imageFiles } from "../src/image-files.js";
import { importArchive } from "../src/import-archive.js";
import { unpackDirectory } from "../src/oras-directory.js";

const setup = inject("content");

/** Runs a transfer; resolves the root its last event names. */
async function rootOf(events: AsyncIterable<TransferEvent>): Promise<Descriptor> {
  let last: TransferEvent | undefined;
  for await (const event of events) last = event;
  if (last?.type !== "progress" || !last.root) throw new Error(`transfer failed: ${JSON.stringify(last)}`);
  return last.root;
}

async function client(name: string) {
  const store = await indexedDbStore(`toci-content-${name}-${Date.now()}`);
  return new Client({ transport: fetchTransport(), store });
}

describe("content in and out of IndexedDB, in Chromium", () => {
  it("an artifact pulled into IndexedDB lists its files and opens one; its oras directory unpacks", async () => {
    await using c = await client("artifact");
    const root = await rootOf(c.registry(setup.registry).repo(setup.artifact.repo).pull("v1"));
    expect(root.digest).toBe(setup.artifact.digest);
    const files = await artifactFiles(c.store, root);
    expect(files.map((f) => [f.name, f.type])).toEqual([
      ["readme.txt", "file"],
      ["site", "directory"],
    ]);
    expect(await (await files[0]!.blob()).text()).toBe("read me, from a browser\n");
    const unpacked: string[] = [];
    for await (const entry of unpackDirectory(files[1]!.stream(), files[1]!.descriptor)) {
      unpacked.push(`${entry.type} ${entry.path}`);
      if (entry.path === "index.html") expect(await new Response(entry.stream()).text()).toBe("<h1>hi</h1>\n");
    }
    expect(unpacked).toEqual(["directory css", "file css/a.css", "file index.html"]);
  });

  it("an image's file opens via imageFile; exported as a download (a Blob URL) it imports back the same", async () => {
    await using c = await client("image");
    const root = await rootOf(c.registry(setup.registry).repo(setup.image.repo).pull("v1"));
    const file = await imageFile(c.store, root, "/etc/hostname");
    expect(await new Response(file!.stream()).text()).toBe("upper\n");
    expect(await imageFile(c.store, root, "/etc/secret")).toBeUndefined();
    const paths: string[] = [];
    for await (const entry of imageFiles(c.store, root)) paths.push(entry.path);
    expect(paths.sort()).toEqual(["bin", "bin/tool", "etc", "etc/hostname"]);

    const name = "registry.example/demo/image:v1"; // docker load's RepoTags
    const archive = await new Response(await exportArchive(c.store, root, { format: "docker", name })).blob();
    const url = URL.createObjectURL(archive);
    const link = Object.assign(document.createElement("a"), { href: url, download: "image.tar" });
    document.body.append(link);
    try {
      // What the download saves is what the Blob URL serves.
      const saved = await (await fetch(link.href)).blob();
      expect(saved.size).toBe(archive.size);
      const head = new TextDecoder().decode(new Uint8Array(await saved.slice(0, 10).arrayBuffer()));
      expect(head).toBe("oci-layout");
      const [imported] = await importArchive(memoryStore(), saved);
      expect(imported?.digest).toBe(setup.image.digest);
      expect(imported?.annotations?.["io.containerd.image.name"]).toBe(name);
    } finally {
      URL.revokeObjectURL(url);
      link.remove();
    }
  });
});
