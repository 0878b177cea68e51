// The version `toci --version` prints: the package's own, read from its package.json (beside dist/ and dist-bin/).
import { readFileSync } from "node:fs";

/** The CLI's version, or "0.0.0" when its package.json cannot be read. */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
      .version;
  } catch {
    return "0.0.0";
  }
}
