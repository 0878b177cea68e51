// @toci/testkit: import from the subpaths ("@toci/testkit/registry", "/fixtures", "/proxy"); this entry exists so
// the package root resolves. Nothing is exported here on purpose: one entry file per concept.
export {};
