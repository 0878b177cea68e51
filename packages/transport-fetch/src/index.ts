// @toci/transport-fetch: a toci Transport over fetch, for Node and browsers. Every public name is listed
// here. Not exported, on purpose: the retry ladder and `Retry-After` parsing, the redirect rules and the body
// wrapper (internal decisions whose shape may change; their behaviour is documented on the options; the client
// depends on @toci/spec-types only, so it could not use them anyway), and the redirect-mode detection (set
// `redirectMode` to override it).

export type { CommonTransportOptions, RetryOptions, TransportWarning } from "@toci/spec-types";
export type { FetchFunction, FetchTransportOptions } from "./options.js";
export type { RedirectMode } from "./redirect.js";
export { fetchTransport } from "./transport.js";
