// The repository as the install and metadata tests see it: where it is, its public URL, and the packages it
// publishes (every package under packages/ that is not private, so a new package is covered the day it lands).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's public URL: package.json `repository`, `homepage`, `bugs` and README links all derive from it. */
export const REPOSITORY = "https://github.com/toci-dev/toci";

/** The branch that README links into the repository name. */
export const BRANCH = "main";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

export interface WorkspacePackage {
  /** The folder under packages/ ("client"). */
  dir: string;
  /** Its absolute path. */
  path: string;
  pkg: PackageJson;
}

export function readJson<T = PackageJson>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Every package under packages/, private ones included. */
export function workspacePackages(): WorkspacePackage[] {
  const dir = join(repoRoot, "packages");
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      try {
        return [{ dir: e.name, path: join(dir, e.name), pkg: readJson(join(dir, e.name, "package.json")) }];
      } catch {
        return []; // a folder without package.json (a leftover build) is no package
      }
    });
}

/** The packages npm would publish. */
export function publishedPackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => !p.pkg.private);
}
