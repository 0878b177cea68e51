// Names the snippets share, so each snippet file imports what its code shows and nothing more.
export type { Client, Descriptor, Platform, Registry, Repository } from "@toci/client";

/** `12.3 MB`. */
export function formatBytes(n: number): string {
  return n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}
