// @toci/store-opfs: a toci Store on the Origin Private File System (browsers), written through sync access
// handles in a dedicated worker. Every public name is listed here; nothing under src/internal/ is public.
export { type OpfsStore, type OpfsStoreOptions, opfsStore } from "./opfs-store.js";
