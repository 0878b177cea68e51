// index.json, the roots: read without a lock (a rewrite replaces the file whole, so a reader sees the old list or
// the new one), changed under the store's index lock (a Web Lock, so tabs and workers of the origin queue) by
// read-modify-write, and replaced atomically (createWritable's swap file, layout.ts). An entry that is not a valid
// descriptor (another writer's, or damage) is not a root: it is skipped when reading and kept, as it was, when the
// file is rewritten.
import {
  checkDescriptor,
  type Descriptor,
  holdWebLock,
  OCI_INDEX,
  OciError,
  findRoot as pick,
  type RootPredicate,
} from "@toci/spec-types";
import {
  fileIfPresent,
  INDEX_FILE,
  LAYOUT_CONTENT,
  LAYOUT_FILE,
  type Layout,
  readSmallFile,
  replaceFile,
} from "./layout.js";
import { indexLock } from "./locks.js";

/** index.json can list thousands of roots; far beyond a registry manifest's 4 MiB is still refused unread. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** oci-layout is a few dozen bytes; 64 KiB leaves room for any honest extension. */
const MAX_LAYOUT_BYTES = 64 * 1024;

interface IndexFile {
  /** The object as parsed: fields other writers added are kept on rewrite. */
  raw: Record<string, unknown>;
  roots: Descriptor[];
  /** Entries of `manifests` that are not valid descriptors, kept on rewrite. */
  skipped: unknown[];
}

/**
 * Writes `oci-layout` and an empty `index.json` when absent (under the index lock: a tab opening the store at the
 * same moment must not read a file another one is still writing); refuses a directory whose oci-layout is not one.
 */
export async function initLayout(layout: Layout): Promise<void> {
  await holdIndex(layout, async () => {
    let bytes = await readSmallFile(layout.root, LAYOUT_FILE, MAX_LAYOUT_BYTES);
    if (!bytes) {
      await replaceFile(layout.root, LAYOUT_FILE, LAYOUT_CONTENT);
      bytes = new TextEncoder().encode(LAYOUT_CONTENT);
    }
    if (typeof parseObject(bytes)?.imageLayoutVersion !== "string") {
      throw new OciError("STORE", `${layout.root.name}/${LAYOUT_FILE} is not an OCI layout file`);
    }
    if (await fileIfPresent(layout.root, INDEX_FILE)) return;
    await replaceFile(layout.root, INDEX_FILE, serialize({ raw: {}, roots: [], skipped: [] }));
  });
}

/** The roots, in order. */
export async function listRoots(layout: Layout): Promise<Descriptor[]> {
  return (await readIndex(layout)).roots;
}

/** The root a reference or predicate names. */
export async function findRoot(layout: Layout, reference: string | RootPredicate): Promise<Descriptor | undefined> {
  return pick(await listRoots(layout), reference);
}

/** A read-modify-write of the roots under the index lock; the file is rewritten only when the list changed. */
export function updateRoots<T>(
  layout: Layout,
  change: (roots: Descriptor[]) => { roots: Descriptor[]; result: T },
): Promise<T> {
  return holdIndex(layout, async () => {
    const file = await readIndex(layout);
    const { roots, result } = change(file.roots);
    if (roots !== file.roots) await replaceFile(layout.root, INDEX_FILE, serialize({ ...file, roots }));
    return result;
  });
}

/** Runs `fn` holding the store's index lock (gc holds it for its whole walk). */
export async function holdIndex<T>(layout: Layout, fn: () => Promise<T>): Promise<T> {
  const release = await holdWebLock(indexLock(layout.name));
  try {
    return await fn();
  } finally {
    release();
  }
}

async function readIndex(layout: Layout): Promise<IndexFile> {
  const handle = await layout.root.getFileHandle(INDEX_FILE);
  const file = await handle.getFile();
  const refuse = (why: string): never => {
    throw new OciError("STORE", `${layout.root.name}/${INDEX_FILE} is not a valid image index: ${why}`);
  };
  // Refused before it is read: a hostile index.json of gigabytes must not be loaded to learn it is too big.
  if (file.size > MAX_INDEX_BYTES) refuse(`${file.size} bytes, over the ${MAX_INDEX_BYTES}-byte cap`);
  const raw = parseObject(new Uint8Array(await file.arrayBuffer())) ?? refuse("not a JSON object");
  if (raw.schemaVersion !== 2) refuse("schemaVersion is not 2");
  if (raw.mediaType !== undefined && raw.mediaType !== OCI_INDEX) refuse(`mediaType is not ${OCI_INDEX}`);
  if (!Array.isArray(raw.manifests)) refuse("manifests is not an array");
  const roots: Descriptor[] = [];
  const skipped: unknown[] = [];
  for (const entry of raw.manifests as unknown[]) {
    try {
      checkDescriptor(entry);
      roots.push(entry);
    } catch {
      skipped.push(entry);
    }
  }
  return { raw, roots, skipped };
}

function serialize(file: IndexFile): string {
  const { raw, roots, skipped } = file;
  return JSON.stringify({ ...raw, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...roots, ...skipped] });
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
