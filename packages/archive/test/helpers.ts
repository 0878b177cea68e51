// Test helpers: layers made by GNU tar from real directories (an independent writer: the reader is never checked
// only against its own writer), images built from them into a store and an OCI layout, and stream plumbing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  type Descriptor,
  isOciError,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  type Store,
  writeBlob,
} from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { blobOf, type Fixture, type FixtureBlob, jsonBlob, sha256, writeLayout } from "@toci/testkit/fixtures";
import { expect } from "vitest";

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = "toci-archive-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What a directory tree holds: a file's content, `{ symlink }`, `{ dir: true }`. */
export type Tree = Record<
  string,
  string | Uint8Array | { symlink: string } | { dir: true; mode?: number } | { link: string }
>;

/** Writes a tree into `dir` (hard links after everything else). */
export function writeTree(dir: string, tree: Tree): void {
  const links: [string, string][] = [];
  for (const [name, what] of Object.entries(tree)) {
    const at = path.join(dir, name);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    if (typeof what === "string" || what instanceof Uint8Array) fs.writeFileSync(at, what);
    else if ("symlink" in what) fs.symlinkSync(what.symlink, at);
    else if ("link" in what) links.push([at, path.join(dir, what.link)]);
    else fs.mkdirSync(at, { recursive: true, mode: what.mode });
  }
  for (const [at, target] of links) fs.linkSync(target, at);
}

/** GNU tar of a tree, reproducible (sorted, owner 0, mtime 0). */
export function gnuTar(tree: Tree, options: { format?: string; members?: string[] } = {}): Buffer {
  const dir = tempDir();
  writeTree(dir, tree);
  return execFileSync(
    "tar",
    [
      `--format=${options.format ?? "gnu"}`,
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      "-C",
      dir,
      "-cf",
      "-",
      ...(options.members ?? ["."]),
    ],
    { maxBuffer: 1 << 30 },
  );
}

/** A stream over bytes, in chunks of `chunk` bytes (odd sizes find boundary bugs). */
export function streamOf(bytes: Uint8Array, chunk = 1 << 16): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** The bytes of a stream. */
export async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The OciError code something fails with ("none" when it does not fail; a non-OciError fails the test). */
export async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "none";
  } catch (error) {
    if (!isOciError(error)) throw error;
    return error.code;
  }
}

/** Drains an async iterable, reading each entry's content, and returns the entries. */
export async function drainEntries<T extends { stream(): ReadableStream<Uint8Array> }>(
  entries: AsyncIterable<T>,
): Promise<(T & { content: Uint8Array })[]> {
  const out: (T & { content: Uint8Array })[] = [];
  for await (const entry of entries) out.push({ ...entry, content: await bytesOf(entry.stream()) });
  return out;
}

/** An image of uncompressed (or gzip) tar layers, with a config whose diff_ids are right. */
export function imageOf(layers: Uint8Array[], options: { gzip?: boolean } = {}): Fixture & { layers: Descriptor[] } {
  const blobs: FixtureBlob[] = layers.map((tar) =>
    options.gzip ? blobOf(OCI_LAYER_GZIP, gzipSync(tar)) : blobOf(OCI_LAYER, tar),
  );
  const config = jsonBlob(OCI_CONFIG, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: layers.map((tar) => sha256(tar)) },
    config: {},
  });
  const manifest = jsonBlob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: config.descriptor,
    layers: blobs.map((b) => b.descriptor),
  });
  return { root: manifest.descriptor, blobs: [...blobs, config, manifest], layers: blobs.map((b) => b.descriptor) };
}

/** A memory store holding a fixture, tagged. */
export async function storeWith(fixture: Fixture, tag = "v1", store: Store = memoryStore()): Promise<Store> {
  for (const blob of fixture.blobs) await writeBlob(store, blob.descriptor, blob.bytes ?? fs.readFileSync(blob.file!));
  await store.tag(fixture.root, tag);
  return store;
}

/** Writes a fixture as an OCI layout in a new directory. */
export function layoutWith(fixture: Fixture, tag = "v1"): string {
  const dir = tempDir();
  writeLayout(dir, fixture, tag);
  return dir;
}

/** Runs a tool, failing the test with its stderr. */
export function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    expect.fail(`${command} ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}
