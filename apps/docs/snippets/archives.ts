// Image archives in a browser, as shown in guide/archives.md. Type-checked with the docs; packages/archive's
// Chromium test (test-browser/content.browser.test.ts) does the same against a real registry.
import { exportArchive } from "@toci/archive";
import type { ReadOnlyStore } from "@toci/spec-types";
import type { Descriptor } from "./support.js";

export async function download(store: ReadOnlyStore, root: Descriptor, name: string): Promise<void> {
  // #region download
  const tar = await new Response(await exportArchive(store, root, { format: "docker", name })).blob();
  const url = URL.createObjectURL(tar);
  const link = Object.assign(document.createElement("a"), { href: url, download: "image.tar" });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // once the download has started
  // #endregion download
}
