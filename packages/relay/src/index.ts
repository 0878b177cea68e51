// @toci/relay: fetch handlers (Request → Response) for browser apps. relay() is a CORS relay from pages to OCI
// registries; serveContent() serves the files of artifacts in a Store, for a service worker. Runtime-neutral;
// `@toci/relay/node` serves a handler with node:http. Every public name is listed here.

export {
  type ContentHandler,
  type ContentStore,
  type ServeContentOptions,
  serveContent,
} from "./content.js";
export type { FetchHandler, RelayEvent, RelayOptions, UpstreamCredentials, UpstreamOptions } from "./options.js";
export { relay } from "./relay.js";
