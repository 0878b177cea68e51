import { kilobytes, measureBundle } from "@toci/testkit/bundle-size";

const root = process.cwd();
const entries = {
  "pull+opfs":
    'export { Client, isOciError, OciError, parseReference } from "@toci/client/pull";\nexport { opfsStore } from "@toci/store-opfs";\nexport { fetchTransport } from "@toci/transport-fetch";',
  "full+opfs":
    'export { Client, isOciError, OciError, parseReference } from "@toci/client";\nexport { opfsStore } from "@toci/store-opfs";\nexport { fetchTransport } from "@toci/transport-fetch";',
  "pull+idb":
    'export { Client, isOciError, OciError, parseReference } from "@toci/client/pull";\nexport { indexedDbStore } from "@toci/store-indexeddb";\nexport { fetchTransport } from "@toci/transport-fetch";',
};
const only = process.argv[2];
for (const [name, src] of Object.entries(entries)) {
  if (only && !name.includes(only)) continue;
  const f = await measureBundle(root, src);
  console.log(
    name,
    kilobytes(f.total),
    "page",
    kilobytes(f.lean.pageBytes),
    "worker",
    kilobytes(f.lean.workerBytes),
    f.total,
  );
  if (process.env.DUMP) (await import("node:fs")).writeFileSync(`/tmp/pe-${name}.js`, f.lean.page.join("\n"));
}
