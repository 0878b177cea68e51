// Node side of the Chromium tests: starts the transport suite's loopback servers (two origins, CORS headers on
// every answer) and hands their URLs to the browser through vitest's provide/inject.
import { startTransportServers, type TransportServerUrls } from "@toci/testkit/transport-suite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    transportServers: TransportServerUrls;
  }
}

export default async function setup(project: TestProject) {
  const servers = await startTransportServers();
  project.provide("transportServers", { url: servers.url, otherUrl: servers.otherUrl, closedUrl: servers.closedUrl });
  return () => servers.close();
}
