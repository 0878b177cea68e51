import { createServer } from "node:net";
import { defineConfig } from "vitest/config";
import { chromium } from "../../vitest.chromium.js";
import { reporters } from "../../vitest.shared.js";

/** A free loopback port, for the page's origin: the relay in the globalSetup must know it to allow it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Two projects: the Node tests (test/) and the Chromium tests (test-browser/), whose registry and relay a
// globalSetup starts on the Node side. The page is served by vitest's own server on one origin (127.0.0.1:<page>),
// the relay listens on another: real CORS. Debian's /usr/bin/chromium only; no browser is ever downloaded.
// The config may be loaded more than once in a run: the port is chosen once.
const pagePort = Number(process.env.TOCI_RELAY_PAGE_PORT ?? (await freePort()));
process.env.TOCI_RELAY_PAGE_PORT = String(pagePort);
process.env.TOCI_RELAY_PAGE_ORIGIN = `http://127.0.0.1:${pagePort}`;

/** Commands the browser tests call in Node. */
const commands = {
  // The offline test takes the registry out of reach: the globalSetup's second relay stops.
  stopOfflineRelay: async () => {
    const stop = (globalThis as Record<symbol, (() => Promise<void>) | undefined>)[
      Symbol.for("toci.relay.stopOfflineRelay")
    ];
    if (!stop) throw new Error("the globalSetup did not start the offline relay");
    await stop();
  },
};

export default defineConfig({
  test: {
    reporters: reporters(import.meta.url, "node+chromium"),
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The service worker's imports, known before it loads (a dependency found later reloads the page).
        optimizeDeps: { include: ["idb-keyval"] },
        test: {
          name: "chromium",
          include: ["test-browser/**/*.test.ts"],
          globalSetup: ["test-browser/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          browser: chromium({ api: { host: "127.0.0.1", port: pagePort, strictPort: true }, commands }),
        },
      },
    ],
  },
});
