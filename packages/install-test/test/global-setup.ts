// Once per run, outside the workspace: pack every published package (each prepack builds it), start a local
// registry holding the image the README quick starts pull, and install the tarballs as a new user would, into
// three fresh folders of a temporary directory:
//   trio/    the client README's Node install line (sizes measured; no wasm hasher expected)
//   app/     every library tarball, plus typescript, @types/node, vite, hash-wasm and fake-indexeddb (the
//            IndexedDB README's Node run) at the workspace's versions
//   global/  `npm install --global --prefix global <cli tarball>`
// npm reaches its registry only for third-party packages (--prefer-offline: from its cache when it can).
// TOCI_KEEP_INSTALL=1 keeps the temporary folder (its path is printed) to look into a failure.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multiArchIndex, pushFixture } from "@toci/testkit/fixtures";
import { startRegistry } from "@toci/testkit/registry";
import type { TestProject } from "vitest/node";
import { formatSize, installSize, newProject, npm, type Packed, packWorkspaces } from "./project.js";
import { type InstallInfo, QUICK_START_REPO, TRIO } from "./setup-info.js";
import { publishedPackages, readJson, repoRoot } from "./workspace.js";

/** The version the workspace pins for a third-party package (in the root's or a workspace's devDependencies). */
function pinned(name: string): string {
  const files = [join(repoRoot, "package.json"), ...publishedPackages().map((p) => join(p.path, "package.json"))];
  for (const file of files) {
    const version = ((readJson(file).devDependencies ?? {}) as Record<string, string>)[name];
    if (version) return version;
  }
  throw new Error(`no pinned version of ${name} in the workspace`);
}

/** The tarballs of `names` and of the published packages they depend on. */
function tarballsOf(names: string[], packed: Map<string, Packed>): string[] {
  const byName = new Map(publishedPackages().map((p) => [p.pkg.name, p.pkg]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (!packed.has(name) || seen.has(name)) return;
    seen.add(name);
    for (const dep of Object.keys((byName.get(name)?.dependencies ?? {}) as Record<string, string>)) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen].map((name) => packed.get(name)!.tarball);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const tmp = await mkdtemp(join(tmpdir(), "toci-install-"));
  const registry = await startRegistry();
  const teardown = async () => {
    await registry.stop();
    if (process.env.TOCI_KEEP_INSTALL) console.log(`install test: kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  };
  try {
    const published = publishedPackages();
    const [packed] = await Promise.all([
      packWorkspaces(
        published.map((p) => p.dir),
        join(tmp, "tarballs"),
      ),
      pushFixture(multiArchIndex({ seed: "install" }), { url: registry.url, repo: QUICK_START_REPO, tag: "latest" }),
    ]);
    const packedAt = Date.now();
    const libraries = published
      .filter((p) => Object.hasOwn((p.pkg.exports ?? {}) as object, "."))
      .map((p) => p.pkg.name);
    const commands = published.filter((p) => p.pkg.bin).map((p) => packed.get(p.pkg.name)!.tarball);
    const tools = ["typescript", "@types/node", "vite", "hash-wasm", "fake-indexeddb"].map((n) => `${n}@${pinned(n)}`);
    const trio = await newProject(join(tmp, "trio"), { type: "module" });
    const app = await newProject(join(tmp, "app"), { type: "module" });
    const prefix = join(tmp, "global");
    await Promise.all([
      npm(["install", "--prefer-offline", ...tarballsOf(TRIO, packed)], trio),
      npm(["install", "--prefer-offline", ...tarballsOf(libraries, packed), ...tools], app),
      npm(["install", "--global", "--prefix", prefix, ...commands], tmp),
    ]);
    const sizes = {
      cli: await installSize(join(prefix, "lib", "node_modules")),
      trio: await installSize(join(trio, "node_modules")),
    };
    const line =
      `global CLI install: ${formatSize(sizes.cli)}; ${TRIO.join(" ")}: ${formatSize(sizes.trio)} ` +
      `(packed in ${((packedAt - started) / 1000).toFixed(1)} s, installed in ${((Date.now() - packedAt) / 1000).toFixed(1)} s)`;
    console.log(line);
    const artifacts = join(repoRoot, "packages", "install-test", "test-artifacts");
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, "install-sizes.txt"), `${line}\n`);
    const info: InstallInfo = { tmp, app, trio, prefix, registry: registry.url, packed: [...packed.values()], sizes };
    project.provide("toci:install", info);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
