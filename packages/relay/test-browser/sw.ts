// The service worker of the offline test: files of artifacts in IndexedDB served by serveContent() at
// <scope>/content/<repo>/<tag>/<file>. Registered as a module worker (vite serves it transformed).
import { provideHashWasm } from "@toci/spec-types";
import { indexedDbStore } from "@toci/store-indexeddb";
import { createSHA256, createSHA512 } from "hash-wasm";
import { serveContent } from "../src/index.js";

/** The parts of ServiceWorkerGlobalScope used here (the WebWorker lib does not mix with DOM's). */
interface Scope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(
    type: "install" | "activate",
    listener: (event: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
  addEventListener(
    type: "fetch",
    listener: (event: { request: Request; respondWith(r: Promise<Response>): void }) => void,
  ): void;
}
// A module service worker may not import() (HTML), which is how the browser hasher loads hash-wasm: hand it over.
provideHashWasm({ createSHA256, createSHA512 });

const scope = self as unknown as Scope;
const prefix = new URL("content/", scope.location.href).href;
const content = serveContent({ store: indexedDbStore("toci-relay-offline"), prefix });

scope.addEventListener("install", (event) => event.waitUntil(scope.skipWaiting()));
scope.addEventListener("activate", (event) => event.waitUntil(scope.clients.claim()));
scope.addEventListener("fetch", (event) => {
  if (!event.request.url.startsWith(prefix)) return;
  event.respondWith(content(event.request).then((response) => response ?? fetch(event.request)));
});
