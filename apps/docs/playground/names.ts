// The names the playground page and its service worker (sw.ts) share: the store both open, where the worker is
// served from, and the URLs it answers.

/** The store the playground pulls into (`indexedDbStore(STORE_NAME)`). */
export const STORE_NAME = "playground";
/** The service worker, built by build-sw.mjs into the site's root, so that its scope covers the whole site. */
export const SERVICE_WORKER_URL = "/toci-sw.js";
/** Where the worker serves the files of artifacts in the store: `<path><repo>/<tag>/<file>` (serveContent). */
export const CONTENT_PATH = "/_toci/content/";
/** The Cache Storage cache holding the site's pages and assets, for a reload without the network. */
export const SHELL_CACHE = "toci-playground-shell-v1";
