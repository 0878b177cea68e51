// @toci/transport-node: a toci Transport over Node's sockets (HTTP/1.1, TLS, HTTP proxies), for Node. Every public
// name is listed here. Not exported, on purpose: the connection pool, the HTTP/1.1 reader, the body adapters and
// HeaderList (internal decisions whose behaviour is documented on the options; responses' `headers` are typed
// `Headers`). The retry, redirect and warning rules and the common options are @toci/transport-fetch's too: both
// take them from @toci/spec-types, since adapters never depend on each other (docs/architecture.md §1).

export type { CommonTransportOptions, RetryOptions, TransportWarning } from "@toci/spec-types";
export type { NodeTransportOptions, Pem, TlsOptions } from "./options.js";
export type { ProxyOptions } from "./proxy.js";
export { nodeTransport } from "./transport.js";
