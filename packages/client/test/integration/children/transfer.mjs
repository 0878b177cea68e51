// `toci pull` / `toci push` through the library, as a child process the crash and concurrency tests can SIGKILL:
//   node transfer.mjs pull <registry-url> <repo> <tag> <store-dir> [chunkSize]
//   node transfer.mjs push <registry-url> <repo> <tag> <store-dir> [chunkSize]
//   node transfer.mjs attach <registry-url> <repo> <subject-tag> <store-dir> <name>
// Exit 0 on success; 1 with "<code> <message>" on stderr.
import { Client } from "@toci/client";
import { describe as describeContent } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";

const [mode, url, name, tag, dir, extra] = process.argv.slice(2);
const chunkSize = Number(extra) || 4 * 1024 * 1024;
const store = await fsStore(dir);
const client = new Client({
  transport: fetchTransport({ retry: { backoffBase: 20, backoffMax: 200 } }),
  store,
  chunkSize,
  monolithicMax: chunkSize,
});
const repo = client.registry(url).repo(name);
let last;
try {
  if (mode === "pull") {
    for await (const e of repo.pull(tag)) last = e;
  } else if (mode === "push") {
    const root = await store.resolve(tag);
    if (!root) throw Object.assign(new Error(`no ${tag} in ${dir}`), { code: "NOT_FOUND" });
    for await (const e of repo.push(root, { tag })) last = e;
  } else if (mode === "attach") {
    const subject = await repo.resolve(tag);
    if (!subject) throw Object.assign(new Error(`no ${tag}`), { code: "NOT_FOUND" });
    const enc = new TextEncoder();
    const config = enc.encode("{}");
    const file = enc.encode(`attachment ${extra}\n`);
    const configDesc = await describeContent(config, { mediaType: "application/vnd.oci.empty.v1+json" });
    const fileDesc = await describeContent(file, { mediaType: "text/plain" });
    for (const [bytes, d] of [
      [config, configDesc],
      [file, fileDesc],
    ]) {
      if (await store.exists(d)) continue;
      const w = await store.ingest(d);
      await w.write(bytes);
      await w.commit();
    }
    const manifest = enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.toci.test",
        config: configDesc,
        layers: [fileDesc],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        annotations: { name: extra },
      }),
    );
    const md = await describeContent(manifest, { mediaType: "application/vnd.oci.image.manifest.v1+json" });
    const w = await store.ingest(md);
    await w.write(manifest);
    await w.commit();
    for await (const e of repo.push(md)) last = e;
  }
} catch (error) {
  last = { type: "failed", error };
}
await client.close();
if (last?.type === "progress" && last.percent === 100) process.exit(0);
process.stderr.write(`${last?.error?.code ?? "UNKNOWN"} ${last?.error?.message ?? "no terminal event"}\n`);
process.exit(1);
