// The security knobs, as shown in guide/security.md. Type-checked by `npm run typecheck -w @toci/docs`.
import { Client } from "@toci/client";
import { type FsStoreWarning, fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";

export async function limits(dir: string): Promise<Client> {
  // #region limits
  const client = new Client({
    // https → http redirects are refused unless you allow them here (the default is false).
    transport: fetchTransport({ allowInsecureRedirects: false }),
    store: await fsStore(dir),
    maxManifestBytes: 4 * 1024 * 1024, // the default: larger manifests and indexes are refused before they are read
  });
  // A registry on your LAN over plain HTTP: Basic credentials travel only because you say so.
  client.registry("registry.lan:5000", {
    plainHttp: true,
    allowInsecureCredentials: true,
    auth: { type: "basic", username: "ci", password: "secret" },
  });
  // #endregion limits
  return client;
}

export async function warnings(dir: string): Promise<FsStoreWarning[]> {
  // #region warnings
  // index.json entries another tool wrote badly are skipped, not fatal; the store never prints, it tells you.
  const seen: FsStoreWarning[] = [];
  const store = await fsStore(dir, {
    onWarning: (warning) => {
      console.warn(warning.message); // "…/index.json: skipped 1 invalid entry of manifests (left in the file …"
      seen.push(warning); // warning.entries: [{ position, reason, digest? }]
    },
  });
  const roots = await store.list(); // the valid entries only
  // #endregion warnings
  void roots;
  return seen;
}
