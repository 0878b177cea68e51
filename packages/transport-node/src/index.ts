// @toci/transport-node: a toci Transport over node:http and node:https, for Node. Every public name is listed here.
// Not exported, on purpose: the retry ladder, the redirect rules, the body adapters, the agents and HeaderList
// (internal decisions whose behaviour is documented on the options; responses' `headers` are typed `Headers`).
// The retry, redirect and warning rules are @toci/transport-fetch's too: both take them from @toci/spec-types
// (retry-policy, redirect-policy, warning-policy), since adapters never depend on each other (docs/architecture.md §1).

export type { TransportWarning } from "@toci/spec-types";
export type { NodeTransportOptions, RetryOptions } from "./options.js";
export { nodeTransport } from "./transport.js";
