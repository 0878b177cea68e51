// @toci/transport-fetch: a toci Transport over fetch (ky), for Node and browsers. Every public name is listed
// here. Not exported, on purpose: the retry ladder, redirect rules and body wrapper (internal decisions whose
// shape may change; their behaviour is documented on the options), and the redirect-mode detection (set
// `redirectMode` to override it).

export type { FetchFunction, FetchTransportOptions, RetryOptions, TransportWarning } from "./options.js";
export type { RedirectMode } from "./redirect.js";
export { parseRetryAfter } from "./retry.js";
export { fetchTransport } from "./transport.js";
