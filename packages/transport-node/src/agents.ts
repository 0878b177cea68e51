// The connection pools: one keep-alive http.Agent and one https.Agent per transport. An Agent pools connections per
// origin (its key is host:port plus the TLS options), so `maxSockets` bounds the connections to each origin, and
// every request — HEADs included, which Node's fetch closes after each one — goes back to the pool when its
// response has been read. "lifo" scheduling reuses the most recently used connection first, so the others can
// time out instead of all being kept barely alive.

import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import type { NormalizedOptions } from "./options.js";

/** The two agents of a transport, and how to close every connection they hold. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
  destroy(): void;
}

/** Creates the agents of one transport. */
export function createAgents(options: NormalizedOptions): Agents {
  const pool = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
    scheduling: "lifo" as const,
    // Applies to idle connections only: the Agent destroys a free socket when this fires (a socket in use just
    // sees a 'timeout' event nobody acts on; the transport's own timeouts cover requests).
    timeout: options.keepAliveTimeout || undefined,
  };
  const httpAgent = new http.Agent(pool);
  const httpsAgent = new https.Agent({
    ...pool,
    // `ca` replaces Node's bundled roots; an extra CA is meant to be trusted on top of them.
    ...(options.ca ? { ca: [...rootCertificates, ...options.ca] } : {}),
    rejectUnauthorized: !options.insecure,
  });
  return {
    http: httpAgent,
    https: httpsAgent,
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
