// The local OCI layout: list its roots, untag them, collect the blobs no root reaches, and forget what was learnt
// about registries.
import { resolve as resolvePath } from "node:path";
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_REF_NAME, formatPlatform, OciError } from "@toci/spec-types";
import { refuseAmbiguousTag } from "../layout-roots.js";
import { layoutWarnings } from "../layout-warnings.js";
import type { Run } from "../run.js";
import { DEFAULT_STORE, requireLayout } from "./transfer.js";

export interface LayoutFlags {
  store?: string;
}

async function open(run: Run, flags: LayoutFlags) {
  const dir = resolvePath(flags.store ?? DEFAULT_STORE);
  await requireLayout(dir);
  const { fsStore } = await import("@toci/store-fs");
  // Entries of index.json that another tool wrote badly are skipped, not fatal: say so on stderr, once.
  const warnings = layoutWarnings(run.out);
  return { dir, warnings, store: await fsStore(dir, { onWarning: warnings.onWarning }) };
}

export async function layoutList(run: Run, flags: LayoutFlags): Promise<void> {
  const { dir, store, warnings } = await open(run, flags);
  const roots = await store.list();
  const last = warnings.last();
  const skipped = last?.code === "INDEX_ENTRIES_SKIPPED" ? last.entries : [];
  const rows = roots.map((root) => ({
    name: root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? root.annotations?.[ANNOTATION_REF_NAME] ?? null,
    tag: root.annotations?.[ANNOTATION_REF_NAME] ?? null,
    digest: root.digest,
    mediaType: root.mediaType,
    size: root.size,
    platform: root.platform ? formatPlatform(root.platform) : null,
  }));
  const width = Math.max(4, ...rows.map((r) => (r.name ?? "(untagged)").length));
  const digestWidth = Math.max(6, ...rows.map((r) => r.digest.length));
  const typeWidth = Math.max(10, ...rows.map((r) => r.mediaType.length));
  const row = (name: string, digest: string, type: string, platform: string) =>
    `${name.padEnd(width)}  ${digest.padEnd(digestWidth)}  ${platform ? `${type.padEnd(typeWidth)}  ${platform}` : type}`;
  const lines = rows.map((r) => row(r.name ?? "(untagged)", r.digest, r.mediaType, r.platform ?? ""));
  const header = row("NAME", "DIGEST", "MEDIA TYPE", rows.some((r) => r.platform) ? "PLATFORM" : "");
  run.out.result({ store: dir, roots: rows, skipped }, run.out.tty ? [header, ...lines] : lines);
}

export async function layoutGc(run: Run, flags: LayoutFlags): Promise<void> {
  const { dir, store } = await open(run, flags);
  const removed = await store.gc();
  run.out.result(
    { store: dir, removed },
    run.out.tty
      ? [`removed ${removed.length} unreachable blob(s) from ${dir}`, ...removed.map((d) => `  ${d}`)]
      : removed,
  );
}

export async function layoutRemove(run: Run, names: string[], flags: LayoutFlags): Promise<void> {
  const { dir, store } = await open(run, flags);
  const removed: string[] = [];
  for (const name of names) await refuseAmbiguousTag(store, name, { dir });
  for (const name of names) {
    if (!(await store.untag(name))) {
      throw new OciError("NOT_FOUND", `no root named ${JSON.stringify(name)} in ${dir}; \`toci layout ls\` lists them`);
    }
    removed.push(name);
  }
  const freed = await store.gc();
  run.out.result({ store: dir, removed, collected: freed }, [
    ...removed.map((n) => `removed ${n}`),
    ...(run.out.tty ? [`collected ${freed.length} blob(s) no other root uses`] : []),
  ]);
}

/** Forgets what the client learnt about registries (the referrers API, request caps, ...): the next run probes. */
export async function layoutForget(run: Run, flags: LayoutFlags): Promise<void> {
  const { dir, store } = await open(run, flags);
  await store.clearAbilities();
  run.out.result({ store: dir, forgotten: true }, [`forgot what was learnt about registries in ${dir}`]);
}
