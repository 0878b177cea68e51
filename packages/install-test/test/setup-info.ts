// What the global setup hands the test files (vitest provide/inject): plain JSON.
import { join } from "node:path";
import { inject } from "vitest";
import type { InstallSize, Packed } from "./project.js";

/** What a Node user of the library installs first: the client README's install line. */
export const TRIO = ["@toci/client", "@toci/transport-node", "@toci/store-fs"];

/** The repository the README quick starts pull ("linuxcontainers/alpine:latest"), served by the local registry. */
export const QUICK_START_REPO = "linuxcontainers/alpine";

export interface InstallInfo {
  /** The temporary folder everything below lives in. */
  tmp: string;
  /** The project with every library tarball, typescript, @types/node, vite, hash-wasm and fake-indexeddb. */
  app: string;
  /** The project with the trio only. */
  trio: string;
  /** The global prefix the CLI was installed into (bin/, lib/node_modules/). */
  prefix: string;
  /** The local registry's URL (http://127.0.0.1:port). */
  registry: string;
  packed: Packed[];
  sizes: { cli: InstallSize; trio: InstallSize };
}

declare module "vitest" {
  export interface ProvidedContext {
    "toci:install": InstallInfo;
  }
}

export function installInfo(): InstallInfo {
  return inject("toci:install");
}

/** Where a published package was installed: the app project for libraries, the global prefix for a command. */
export function installedDir(info: InstallInfo, pkg: { name: string; exports?: unknown; bin?: unknown }): string {
  const library = Object.hasOwn((pkg.exports ?? {}) as object, ".");
  return library ? join(info.app, "node_modules", pkg.name) : join(info.prefix, "lib", "node_modules", pkg.name);
}
