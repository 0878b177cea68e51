// relay(): a CORS relay from browser pages to OCI registries, as a fetch handler. It is no open proxy: only the
// listed upstreams are reachable, only from the listed origins; cookies never cross it; `Authorization` goes to
// the upstream it was sent for (or that upstream's token realm) and nowhere else; private and link-local
// addresses are refused unless listed. Runtime-neutral: Request, Response, fetch and streams only.

import { addCorsHeaders, isPreflight, preflightResponse } from "./internal/cors.js";
import { errorResponse } from "./internal/errors.js";
import { type ForwardContext, forwardApi } from "./internal/forward.js";
import { Realms } from "./internal/realms.js";
import { forwardToken } from "./internal/token.js";
import { relayBase, route } from "./internal/urls.js";
import { type FetchHandler, namesHost, type RelayOptions, resolveRelayOptions } from "./options.js";

/**
 * A fetch handler that relays the OCI distribution API of `options.upstreams` to pages on `options.allowOrigins`:
 * `<relay>/<name>/v2/…` is the upstream's `/v2/…` (so `client.registry("<relay>/<name>")` uses it), preflights
 * are answered here, the headers a client reads are exposed, token realms and upload locations are pointed at
 * the relay, and bodies stream both ways. Throws `INVALID_ARGUMENT` for unusable options.
 */
export function relay(options: RelayOptions): FetchHandler {
  const config = resolveRelayOptions(options);
  const realms = new Realms();
  return async (request) => {
    const url = new URL(request.url);
    const origin = request.headers.get("origin");
    // `detail` goes to the log only: what the page reads must not tell it how the relay's network looks.
    const refuse = (status: number, code: string, reason: string, detail?: string): Response => {
      config.log({
        type: code === "UNAVAILABLE" ? "failed" : "refused",
        status,
        method: request.method,
        url: url.href,
        reason: detail === undefined ? reason : `${reason}: ${detail}`,
      });
      return errorResponse(status, code, reason);
    };
    if (origin === null ? !config.allowNoOrigin : !config.isAllowedOrigin(origin)) {
      // No CORS headers: the page learns nothing, not even the reason.
      return refuse(403, "DENIED", origin === null ? "a request without Origin" : `origin ${origin} is not allowed`);
    }
    // A name pointed at the relay's address by someone else (DNS rebinding) gets nothing, above all without Origin.
    if (config.hosts ? !namesHost(config.hosts, url) : origin === null && !config.servesNoOriginAt(url)) {
      return refuse(
        421,
        "DENIED",
        `the relay does not answer for host ${url.host}${origin === null ? " without Origin" : ""} (list it in hosts, toci relay --host)`,
      );
    }
    if (origin !== null && isPreflight(request)) return preflightResponse(request, origin, config.maxAge);
    const base = relayBase(config, url);
    const target = route(config, url, base);
    let response: Response;
    if (target.kind === "none") {
      response = refuse(404, "NAME_UNKNOWN", target.reason);
    } else {
      const context: ForwardContext = { config, realms, base, refuse };
      try {
        response =
          target.kind === "api"
            ? await forwardApi(context, target.upstream, request, target.target)
            : await forwardToken(context, target.upstream, request, target.realm);
      } catch (error) {
        // A network error names addresses, and whether they answer: the log's, not the page's.
        response = refuse(502, "UNAVAILABLE", `upstream ${target.upstream.name} failed`, describe(error));
      }
    }
    if (origin !== null) addCorsHeaders(response.headers, origin);
    return response;
  };
}

/** An error's message, with its cause's (fetch hides the reason in `cause`). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof Error && error.cause instanceof Error ? `${message}: ${error.cause.message}` : message;
}
