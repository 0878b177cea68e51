// @toci/store-fs: not built yet (see the open issues). Kept compiling so the workspace builds.
export {};
