// Test helpers: layers made by GNU tar from real directories (an independent writer: the reader is never checked
// only against its own writer), images built from them into a store and an OCI layout, and stream plumbing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isOciError, type Store, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { type Fixture, imageOfLayers, writeLayout } from "@toci/testkit/fixtures";
import { expect } from "vitest";

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = "toci-archive-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export { gnuTar, type Tree, writeTree } from "@toci/testkit/fixtures";

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
export const imageOf = imageOfLayers;

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
