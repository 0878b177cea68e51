import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";

const dir = mkdtempSync(join(process.cwd(), ".bundle-pe-"));
const entry = join(dir, "entry.js");
writeFileSync(
  entry,
  process.argv[2] === "full"
    ? 'export { Client, isOciError, OciError, parseReference } from "@toci/client";\nexport { opfsStore } from "@toci/store-opfs";\nexport { fetchTransport } from "@toci/transport-fetch";'
    : 'export { Client, isOciError, OciError, parseReference } from "@toci/client/pull";\nexport { opfsStore } from "@toci/store-opfs";\nexport { fetchTransport } from "@toci/transport-fetch";',
);
const r = await build({
  configFile: false,
  root: process.cwd(),
  logLevel: "silent",
  resolve: { conditions: ["browser", "module", "import", "default"] },
  plugins: [
    {
      name: "s",
      transform(code, id) {
        return id.includes("/node_modules/hash-wasm/")
          ? "export const createSHA256 = () => {}; export const createSHA512 = () => {};"
          : null;
      },
    },
  ],
  build: {
    write: false,
    minify: true,
    target: "es2022",
    modulePreload: false,
    rollupOptions: { input: entry, preserveEntrySignatures: "strict" },
  },
});
const out = (Array.isArray(r) ? r : [r]).flatMap((o) => o.output);
const rows = [];
for (const c of out)
  if (c.type === "chunk")
    for (const [id, m] of Object.entries(c.modules)) rows.push([m.renderedLength, id.replace(/.*\/packages\//, "")]);
rows.sort((a, b) => b[0] - a[0]);
let t = 0;
for (const r of rows) t += r[0];
console.log("total rendered", t);
for (const r of rows) console.log(r[0], r[1]);
(await import("node:fs")).rmSync(dir, { recursive: true });
