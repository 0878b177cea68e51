// Node side of the Chromium tests: a token-auth registry with content, the relay on its own origin allowing only
// the page's origin (vitest's server, 127.0.0.1:<page port>, fixed in vitest.config.ts), and a stranger's page on
// a third origin. What the page needs is handed over through provide/inject (as JSON inside the page's HTML: no
// markup in it).
import http from "node:http";
import type { Descriptor } from "@toci/spec-types";
import { artifact, multiArchIndex, pushFixture } from "@toci/testkit/fixtures";
import { startRegistry } from "@toci/testkit/registry";
import type { TestProject } from "vitest/node";
import { type RelayEvent, relay } from "../src/index.js";
import { serve } from "../src/node.js";
import { artifactFiles } from "./content.js";

/** What the browser tests get. */
export interface RelaySetup {
  relayUrl: string;
  credentials: { username: string; password: string };
  /** The linux/arm64 image of demo/multi:v1: manifest, config, layers. */
  arm64: Descriptor[];
  /** A second relay to the same registry, which the offline test stops (command `stopOfflineRelay`). */
  offlineRelayUrl: string;
  /** A page on another origin that tries the relay and posts what happened to its parent. */
  strangerUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    relay: RelaySetup;
  }
}

/** Where the globalSetup leaves the offline relay's stop for the browser command (both run in vitest's process). */
export const STOP_OFFLINE_RELAY = Symbol.for("toci.relay.stopOfflineRelay");

const STRANGER = `<!doctype html><script type="module">
const relay = new URL(location.href).searchParams.get("relay");
const tries = {};
for (const [name, init] of [["simple", {}], ["preflighted", { headers: { authorization: "Basic eDp5" } }]]) {
  try { tries[name] = (await fetch(relay + "/reg/v2/", init)).status; } catch (e) { tries[name] = e.name; }
}
parent.postMessage({ stranger: tries }, "*");
</script>`;

export default async function setup(project: TestProject) {
  const pageOrigin = process.env.TOCI_RELAY_PAGE_ORIGIN;
  if (!pageOrigin) throw new Error("vitest.config.ts sets TOCI_RELAY_PAGE_ORIGIN");
  const registry = await startRegistry({ auth: "token" });
  const credentials = registry.credentials!;
  const multi = multiArchIndex({ seed: "relay-browser", layerSizes: [4096, 200_000] });
  const encoder = new TextEncoder();
  const files = artifact({
    files: Object.entries(artifactFiles).map(([title, text]) => ({
      title,
      data: encoder.encode(text),
      mediaType: "application/vnd.oci.image.layer.v1.tar",
    })),
  });
  await pushFixture(multi, { url: registry.url, repo: "demo/multi", tag: "v1", credentials });
  await pushFixture(files, { url: registry.url, repo: "demo/files", tag: "v1", credentials });
  const events: RelayEvent[] = [];
  const options = {
    upstreams: [{ url: registry.url, name: "reg", origins: [new URL(registry.token!.realm).origin] }],
    allowOrigins: [pageOrigin],
    log: (e: RelayEvent) => events.push(e),
  };
  const server = await serve(relay(options));
  const offline = await serve(relay(options));
  (globalThis as { [STOP_OFFLINE_RELAY]?: () => Promise<void> })[STOP_OFFLINE_RELAY] = () => offline.close();
  const stranger = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(STRANGER));
  await new Promise<void>((resolve) => stranger.listen(0, "127.0.0.1", resolve));
  const arm64 = multi.images[1]!;
  project.provide("relay", {
    relayUrl: server.url,
    offlineRelayUrl: offline.url,
    credentials,
    arm64: [arm64.root, arm64.config, ...arm64.layers],
    strangerUrl: `http://127.0.0.1:${(stranger.address() as { port: number }).port}/?relay=${encodeURIComponent(server.url)}`,
  });
  return async () => {
    await new Promise((resolve) => stranger.close(resolve));
    await server.close();
    await offline.close();
    await registry.stop();
  };
}
