// Requests with registry auth, for the harness's own pushes: try, and on 401 answer the challenge once
// (Basic with the credentials, or a Bearer token from the realm for the challenged scope), caching per scope.
import type http from "node:http";
import type { Readable } from "node:stream";
import { basicAuth, type HttpResponse, parseChallenge, request } from "./http.js";

/** Who to authenticate as, and what TLS to trust. */
export interface AuthOptions {
  credentials?: { username: string; password: string };
  caFile?: string;
  agent?: http.Agent;
}

/** A request whose body can be made again (it is replayed after a 401). */
export interface ReplayableRequest {
  method: string;
  url: string;
  headers?: Record<string, string | undefined>;
  body?: () => Uint8Array | string | Readable;
  /** A scope to ask for up front when the registry challenges with Bearer. */
  scope?: string;
}

/** Sends requests, answering auth challenges; tokens are cached per scope. */
export class AuthorizedClient {
  readonly #options: AuthOptions;
  readonly #tokens = new Map<string, string>();
  #basic = false;

  constructor(options: AuthOptions = {}) {
    this.#options = options;
  }

  async send(req: ReplayableRequest): Promise<HttpResponse> {
    const first = await this.#attempt(req);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers["www-authenticate"]);
    if (challenge.scheme === "basic") {
      if (!this.#options.credentials) return first;
      this.#basic = true;
    } else if (challenge.scheme === "bearer") {
      const scope = [req.scope, challenge.params.scope].filter(Boolean).join(" ");
      const token = await this.#fetchToken(challenge.params.realm ?? "", challenge.params.service ?? "", scope);
      this.#tokens.set(req.scope ?? "", token);
    }
    return this.#attempt(req);
  }

  #attempt(req: ReplayableRequest): Promise<HttpResponse> {
    const headers: Record<string, string | undefined> = { ...req.headers };
    const token = this.#tokens.get(req.scope ?? "");
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.#basic && this.#options.credentials) {
      headers.authorization = basicAuth(this.#options.credentials.username, this.#options.credentials.password);
    }
    return request({
      method: req.method,
      url: req.url,
      headers,
      body: req.body?.(),
      caFile: this.#options.caFile,
      agent: this.#options.agent,
    });
  }

  async #fetchToken(realm: string, service: string, scope: string): Promise<string> {
    const url = new URL(realm);
    if (service) url.searchParams.set("service", service);
    for (const s of scope.split(" ").filter(Boolean)) url.searchParams.append("scope", s);
    const { credentials } = this.#options;
    const res = await request({
      url: url.href,
      headers: { authorization: credentials ? basicAuth(credentials.username, credentials.password) : undefined },
      caFile: this.#options.caFile,
    });
    if (res.status !== 200) throw new Error(`token request to ${realm} failed: ${res.status} ${res.body}`);
    const body = JSON.parse(res.body.toString()) as { token?: string; access_token?: string };
    return body.token ?? body.access_token ?? "";
  }
}
