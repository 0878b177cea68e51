// @toci/testkit/proxy: a fault proxy in front of a real registry, scriptable per test.
export {
  addHeaders,
  type CutOptions,
  chunkMinLength,
  corrupt,
  cutAfter,
  delay,
  hangUp,
  limitRequestSize,
  named,
  type RedirectOptions,
  type RespondOptions,
  type RetryAfter,
  rangeNotSatisfiable,
  redirectBlob,
  relativeLocation,
  respond,
  rewriteHead,
  stripDigest,
  stripHeaders,
  tooManyRequests,
  unavailable,
} from "./actions.js";
export type { BlobOrigin, OriginRequest } from "./blob-origin.js";
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from "./fault-proxy.js";
export { type ForwardProxy, type ForwardProxyOptions, type ProxyLogEntry, startForwardProxy } from "./forward-proxy.js";
export { type PaginateOptions, paginate } from "./paginate.js";
export { type ReferrersOptions, ReferrersRegistry } from "./referrers.js";
export type {
  BodyFilter,
  FaultAction,
  FaultContext,
  FilteredChunk,
  RecordedRequest,
  ResponseHead,
  Rule,
  RuleMatch,
} from "./types.js";
