// Pulling, as shown in guide/pull.md. Each function is type-checked, and test/snippets.test.ts runs it against a
// local registry.
import { parseReference } from "@toci/client";
import { type Client, type Descriptor, formatBytes, type Platform, type Repository } from "./support.js";

export async function byTag(repo: Repository): Promise<boolean> {
  // #region tag
  for await (const event of repo.pull("v1")) {
    if (event.type === "progress") {
      console.log(`${event.percent}% ${formatBytes(event.bytes)} of ${formatBytes(event.totalBytes)}`);
    } else {
      console.error(`${event.error.code}: ${event.error.message}`); // the failure terminal, with an OciError
      return false;
    }
  }
  return true; // "progress 100" came: the success terminal
  // #endregion tag
}

export async function byPlatform(repo: Repository): Promise<Descriptor | undefined> {
  // #region platform
  // Three ways to say the same platform:
  const byString = "linux/arm64/v8";
  const byObject: Platform = { os: "linux", architecture: "arm64", variant: "v8" };
  const byPredicate = (p: Platform) => p.os === "linux" && p.architecture === "arm64";

  const manifest = await repo.resolve("v1", { platform: byPredicate }); // the arm64 manifest, not the index
  for await (const event of repo.pull("v1", { platform: byString })) {
    if (event.type === "failed") throw event.error;
  }
  // #endregion platform
  void byObject;
  return manifest;
}

export async function byDescriptor(client: Client, repo: Repository): Promise<Descriptor | undefined> {
  // #region descriptor
  const index = await repo.resolve("v1"); // undefined when the tag does not resolve (the cause is logged)
  if (!index) return undefined;
  for await (const event of repo.pull(index)) {
    if (event.type === "failed") throw event.error;
  }
  // A pull by descriptor does not name the root; name it in the store yourself if you want one.
  await client.store.tag(index, `${repo.reference}:pinned`);
  // Pulling by digest names nothing either: repo.pull("sha256:…")
  // #endregion descriptor
  return client.store.resolve(`${repo.reference}:pinned`);
}

export async function cancel(repo: Repository): Promise<string | undefined> {
  // #region cancel
  // Any AbortSignal: a button's AbortController, a page going away, or a deadline.
  let code: string | undefined;
  for await (const event of repo.pull("v1", { signal: AbortSignal.timeout(30_000) })) {
    if (event.type === "failed") code = event.error.code; // "ABORTED": partial blobs are kept, a rerun resumes them
  }
  // #endregion cancel
  return code;
}

export async function fetchBlob(repo: Repository, layer: Descriptor): Promise<number | undefined> {
  // #region fetch
  // The handler gets a stream verified as it flows: on a digest or size mismatch it errors, and fetch resolves
  // undefined whatever the handler returned.
  const size = await repo.fetch(layer, async (stream) => {
    let n = 0;
    for await (const chunk of stream) n += chunk.byteLength;
    return n;
  });
  // #endregion fetch
  return size;
}

export async function fromReference(client: Client, text: string): Promise<Descriptor | undefined> {
  // #region reference
  const app = client.repo("ghcr.io/org/app"); // the same as client.registry("ghcr.io").repo("org/app")
  const alpine = client.repo("alpine"); // Docker Hub's docker.io/library/alpine, as `docker pull alpine` means

  // A reference with a tag or digest names content, not a repository: split it (client.repo refuses it whole).
  const ref = parseReference(text); // "localhost:5000/demo/hello:v1": ref.name + ref.reference ("v1")
  const repo = client.repo(ref.name);
  for await (const event of repo.pull(ref.reference)) {
    if (event.type === "failed") throw event.error;
  }
  // #endregion reference
  void app;
  void alpine;
  return client.store.resolve(ref.toString());
}
