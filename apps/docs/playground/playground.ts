// The playground's logic, framework-free (the Vue component in .vitepress/theme/Playground.vue only renders it):
// a Client over fetch into an IndexedDB or OPFS store, pulls with progress, the stored roots, their manifest trees,
// blob downloads, root deletion and garbage collection. It only pulls, so the client is the pull entry's
// (@toci/client/pull), as a browser app that pulls would ship it. Everything here is plain @toci/* API, as a user
// would write it.
import { Client, type Descriptor, isOciError, type Logger, type OciError, type TransferEvent } from "@toci/client/pull";
import type { ClosableStore } from "@toci/spec-types";
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  formatPlatform,
  isIndex,
  isIndexMediaType,
  isManifestMediaType,
  parseManifest,
  readAll,
} from "@toci/spec-types";
import { indexedDbStore } from "@toci/store-indexeddb";
import { fetchTransport } from "@toci/transport-fetch";
import { STORE_NAME } from "./names.js";

/** What the user asked to pull. */
export interface PullRequest {
  /**
   * The registry's URL: this page's origin when the docs server proxies a registry, or a relay's URL for one of its
   * upstreams (`http://127.0.0.1:5080/ghcr.io`).
   */
  registry: string;
  repository: string;
  tag: string;
  /** `os/arch[/variant]`; empty for every platform. */
  platform?: string;
  username?: string;
  password?: string;
}

/** An error as the playground shows it. */
export interface ShownError {
  code: string;
  message: string;
  status?: number;
}

/** How a pull ended. */
export interface PullResult {
  ok: boolean;
  error?: ShownError;
  /** Bytes transferred (what the store did not hold already). */
  bytes: number;
  seconds: number;
  /** Megabytes (10^6 bytes) per second. */
  mbPerSecond: number;
}

/** A root of the store, with its names. */
export interface RootView {
  descriptor: Descriptor;
  /** `org.opencontainers.image.ref.name`: the tag. */
  tag: string | undefined;
  /** `io.containerd.image.name`: the full reference. */
  name: string | undefined;
}

/** One node of a manifest tree. */
export interface TreeNode {
  descriptor: Descriptor;
  kind: "index" | "manifest" | "config" | "layer" | "blob";
  /** Whether the store holds this blob (a platform pull stores only one child of an index). */
  stored: boolean;
  platform?: string;
  children: TreeNode[];
}

/** Where the playground keeps what it pulls. */
export type StoreKind = "indexeddb" | "opfs";

/** The playground's state: one client and one store (IndexedDB or OPFS) for the page. */
export class Playground {
  readonly client: Client;
  readonly store: ClosableStore;
  /** Errors the client logged, newest last (the pull's own failure comes with its `failed` event). */
  readonly errors: ShownError[] = [];

  private constructor(store: ClosableStore) {
    this.store = store;
    const errors = this.errors;
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error(message, fields) {
        const e = fields?.error;
        errors.push(isOciError(e) ? shown(e) : { code: "ERROR", message });
      },
    };
    this.client = new Client({ transport: fetchTransport(), store, logger });
  }

  /**
   * Opens the store `toci-<name>`: an IndexedDB database (which the service worker, sw.ts, reads too), or a
   * directory of the origin's private file system, written by @toci/store-opfs's own worker (loaded on demand).
   */
  static async open(kind: StoreKind = "indexeddb", name = STORE_NAME): Promise<Playground> {
    if (kind === "opfs") {
      const { opfsStore } = await import("@toci/store-opfs");
      return new Playground(await opfsStore(name));
    }
    return new Playground(await indexedDbStore(name));
  }

  /** Pulls a tag into the store, reporting every event; never throws. */
  async pull(request: PullRequest, onEvent: (event: TransferEvent) => void, signal?: AbortSignal): Promise<PullResult> {
    const started = performance.now();
    let bytes = 0;
    let error: ShownError | undefined;
    try {
      const auth =
        request.username || request.password
          ? { type: "basic" as const, username: request.username ?? "", password: request.password ?? "" }
          : undefined;
      const registry = this.client.registry(request.registry, auth ? { auth } : {});
      const repo = registry.repo(request.repository.trim());
      const platform = request.platform?.trim() || undefined;
      for await (const event of repo.pull(request.tag.trim(), { platform, signal })) {
        if (event.type === "progress") bytes = event.bytes;
        else error = shown(event.error);
        onEvent(event);
      }
    } catch (e) {
      // Invalid input (a malformed URL or repository name) throws an OciError at once.
      error = isOciError(e) ? shown(e) : { code: "ERROR", message: String(e) };
    }
    const seconds = (performance.now() - started) / 1000;
    return { ok: !error, error, bytes, seconds, mbPerSecond: seconds > 0 ? bytes / 1e6 / seconds : 0 };
  }

  /** The stored roots, in order. */
  async roots(): Promise<RootView[]> {
    return (await this.store.list()).map((descriptor) => ({
      descriptor,
      tag: descriptor.annotations?.[ANNOTATION_REF_NAME],
      name: descriptor.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME],
    }));
  }

  /** The manifest tree under a descriptor, read from the store. */
  async tree(descriptor: Descriptor, kind: TreeNode["kind"] = kindOf(descriptor)): Promise<TreeNode> {
    const stored = await this.store.exists(descriptor);
    const node: TreeNode = { descriptor, kind, stored, children: [] };
    if (descriptor.platform) node.platform = formatPlatform(descriptor.platform);
    if (!stored || (kind !== "index" && kind !== "manifest")) return node;
    const bytes = await readAll(await this.store.fetch(descriptor), 4 * 1024 * 1024);
    const manifest = parseManifest(bytes, descriptor.mediaType);
    if (isIndex(manifest)) {
      for (const child of manifest.manifests) node.children.push(await this.tree(child));
    } else {
      node.children.push(await this.tree(manifest.config, "config"));
      for (const layer of manifest.layers) node.children.push(await this.tree(layer, "layer"));
    }
    return node;
  }

  /** A stored blob, verified as it is read, as a Blob to download. */
  async blob(descriptor: Descriptor): Promise<Blob> {
    const bytes = await new Response(await this.store.fetch(descriptor)).blob();
    return new Blob([bytes], { type: descriptor.mediaType });
  }

  /** Removes a root's name; its content stays until gc(). */
  async deleteRoot(root: RootView): Promise<boolean> {
    const name = root.name ?? root.tag;
    if (name !== undefined && (await this.store.untag(name))) return true;
    return this.store.remove(root.descriptor);
  }

  /** Deletes every blob no root reaches, and abandoned partial downloads. */
  async gc(): Promise<string[]> {
    return this.store.gc();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The registry a docs server proxies, from `/_toci/proxy`; undefined when there is none. */
export async function proxiedRegistry(): Promise<string | undefined> {
  try {
    const response = await fetch("/_toci/proxy", { cache: "no-store" });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { registry?: string | null };
    return body.registry ?? undefined;
  } catch {
    return undefined;
  }
}

/** `12.3 MB`, `512 B`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function kindOf(descriptor: Descriptor): TreeNode["kind"] {
  if (isIndexMediaType(descriptor.mediaType)) return "index";
  if (isManifestMediaType(descriptor.mediaType)) return "manifest";
  return "blob";
}

function shown(error: OciError): ShownError {
  const out: ShownError = { code: error.code, message: error.message };
  if (error.status !== undefined) out.status = error.status;
  return out;
}
