// The playground's service worker. It serves the files of artifacts in the playground's store at
// /_toci/content/<repo>/<tag>/<file> with @toci/relay's serveContent (so a pulled file opens as a URL, as an <img>
// or a module script would use it), and keeps the site's pages and assets it has seen in Cache Storage, answered
// when the network is gone: after a pull, the playground and its content work offline across reloads.
// Bundled by build-sw.mjs into the site's root (/toci-sw.js), a classic worker: every browser runs those.
import { serveContent } from "@toci/relay";
import { indexedDbStore } from "@toci/store-indexeddb";
import { CONTENT_PATH, SHELL_CACHE, STORE_NAME } from "./names.js";

// The service worker's types (the WebWorker lib does not mix with the DOM lib this project checks pages with).
type Extendable = Event & { waitUntil(work: Promise<unknown>): void };
type FetchLike = Event & { request: Request; respondWith(response: Promise<Response>): void };
const worker = self as unknown as {
  location: Location;
  caches: CacheStorage;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
};

const origin = worker.location.origin;
const prefix = new URL(CONTENT_PATH, origin).href;
const content = serveContent({ store: indexedDbStore(STORE_NAME), prefix });

self.addEventListener("install", (event) => (event as Extendable).waitUntil(worker.skipWaiting()));
// Controls the open playground at once: its first pull can be read through the worker without a reload.
self.addEventListener("activate", (event) => (event as Extendable).waitUntil(worker.clients.claim()));
self.addEventListener("fetch", (event) => {
  const { request } = event as FetchLike;
  if (request.url.startsWith(prefix)) {
    (event as FetchLike).respondWith(content(request).then((response) => response ?? fetch(request)));
  } else if (isShell(request)) {
    (event as FetchLike).respondWith(networkFirst(request));
  }
  // Anything else (the registry, the relay, the docs server's proxy) goes to the network untouched.
});

/** The site's own pages and assets: same origin, GET, not the registry proxy's `/v2/` nor `/_toci/`. */
function isShell(request: Request): boolean {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== origin) return false;
  return !url.pathname.startsWith("/v2/") && !url.pathname.startsWith("/_toci/");
}

/** The network's answer (kept for later), else the last one kept: the site reloads offline. */
async function networkFirst(request: Request): Promise<Response> {
  const cache = await worker.caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
    if (kept) return kept;
    throw error;
  }
}
