// A token server for distribution's "token" auth (Docker token spec + its OAuth2 variant), in-process, no deps.
// The JWT is what distribution 2.8.2 accepts (docs/architecture.md §8): RS256, `kid` = libtrust key ID of the signing cert's
// key (or `x5c`, standard base64 DER), `iss` = issuer, `aud` = service AS A STRING, integer `exp`/`nbf`/`iat`,
// `access` = [{ type, name, actions }].
//
// Policy: anonymous callers get `pull` on any repository and nothing else; a known user gets every action it
// asks for (pull, push, delete, *) on repositories and `registry:catalog:*`. Unknown users get 401.
import { createPrivateKey, randomBytes, randomUUID, sign, X509Certificate } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { close, listen } from "../internal/listen.js";
import { libtrustKeyId } from "./libtrust.js";

/** One entry of a token's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
  class?: string;
}

/** A request the token server answered, for assertions (how many token fetches, which scopes). */
export interface TokenRequest {
  method: "GET" | "POST";
  /** `password`, `refresh_token` (POST), or `basic` / `anonymous` (GET). */
  grant: "basic" | "anonymous" | "password" | "refresh_token";
  /** The user the token was issued to; "" for anonymous; undefined when refused. */
  user: string | undefined;
  service: string | null;
  /** The scopes as requested, one entry per scope (space-separated lists are split). */
  scopes: string[];
  /** What the token grants; empty when refused. */
  access: TokenAccess[];
  /** HTTP status of the answer: 200, 400 or 401. */
  status: number;
  /** Whether a refresh token was handed out. */
  refreshToken: boolean;
}

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  /** PEM file of the RSA signing key. */
  keyFile: string;
  /** PEM file of the signing key's certificate; the registry's `rootcertbundle` must contain it. */
  certFile: string;
  /** Must equal the registry's `auth.token.issuer`. @default "test-token-issuer" */
  issuer?: string;
  /** Must equal the registry's `auth.token.service`. @default "test-registry" */
  service?: string;
  /** Users allowed to authenticate. @default { testuser: "testpassword" } */
  users?: Record<string, string>;
  /**
   * Token lifetime in seconds, as the registry sees it. The registry allows 60 s of clock skew past `exp`, so the
   * JWT's `exp` is `now + expiresIn - 60`: with `expiresIn: 2` the registry refuses the token after about 2 s.
   * `expires_in` in the response is `expiresIn`. @default 300
   */
  expiresIn?: number;
  /** How the JWT names its key: `kid` (libtrust key ID) or `x5c` (the certificate). @default "kid" */
  keyMode?: "kid" | "x5c";
  /** Whether anonymous callers get `pull`. @default true */
  anonymousPull?: boolean;
}

/** A running token server. */
export interface TokenServer {
  /** The realm: `http://127.0.0.1:<port>/token`. */
  readonly realm: string;
  /** `http://127.0.0.1:<port>`; `GET /_stats` returns `{ requests }`, `POST /_reset` clears them. */
  readonly url: string;
  readonly issuer: string;
  readonly service: string;
  /** The `kid` in the JWT header (libtrust key ID of the signing key). */
  readonly keyId: string;
  /** Every token request answered so far (also at `GET <url>/_stats`). */
  readonly requests: TokenRequest[];
  /** Changes the lifetime of tokens issued from now on (also `POST <url>/_config?expiresIn=N`). */
  setExpiresIn(seconds: number): void;
  /** Switches how tokens issued from now on name their key: `kid` or `x5c`. */
  setKeyMode(mode: "kid" | "x5c"): void;
  /** Forgets recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

/** Starts a token server on 127.0.0.1 on a free port. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const issuer = new TokenIssuer(options);
  const server = http.createServer((req, res) => issuer.handle(req, res));
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    realm: `${url}/token`,
    url,
    issuer: issuer.issuer,
    service: issuer.service,
    keyId: issuer.keyId,
    requests: issuer.requests,
    setExpiresIn(seconds) {
      issuer.expiresIn = seconds;
    },
    setKeyMode(mode) {
      issuer.keyMode = mode;
    },
    reset() {
      issuer.requests.length = 0;
    },
    stop: () => close(server),
  };
}

/** The server's state (users, refresh tokens, the signing key, what it was asked) and its request handlers. */
class TokenIssuer {
  readonly issuer: string;
  readonly service: string;
  readonly keyId: string;
  readonly requests: TokenRequest[] = [];
  keyMode: "kid" | "x5c";
  expiresIn: number;
  readonly #users: Map<string, string>;
  readonly #anonymousPull: boolean;
  readonly #privateKey: ReturnType<typeof createPrivateKey>;
  readonly #cert: X509Certificate;
  readonly #refreshTokens = new Map<string, string>();

  constructor(options: TokenServerOptions) {
    this.issuer = options.issuer ?? "test-token-issuer";
    this.service = options.service ?? "test-registry";
    this.#users = new Map(Object.entries(options.users ?? { testuser: "testpassword" }));
    this.#anonymousPull = options.anonymousPull ?? true;
    this.keyMode = options.keyMode ?? "kid";
    this.expiresIn = options.expiresIn ?? 300;
    this.#privateKey = createPrivateKey(fs.readFileSync(options.keyFile));
    this.#cert = new X509Certificate(fs.readFileSync(options.certFile));
    this.keyId = libtrustKeyId(this.#cert.publicKey);
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/_stats" && req.method === "GET") return send(res, 200, { requests: this.requests });
    if (url.pathname === "/_reset" && req.method === "POST") {
      this.requests.length = 0;
      return send(res, 200, {});
    }
    if (url.pathname === "/_config" && req.method === "POST") {
      const value = Number(url.searchParams.get("expiresIn"));
      if (Number.isFinite(value) && value > 0) this.expiresIn = value;
      return send(res, 200, { expiresIn: this.expiresIn });
    }
    if (url.pathname !== "/token") return send(res, 404, { errors: [{ code: "NOT_FOUND", message: "not found" }] });
    if (req.method === "GET") return this.#get(req, res, url);
    if (req.method === "POST") {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        text += chunk;
      });
      req.on("end", () => this.#post(res, new URLSearchParams(text)));
      return;
    }
    send(res, 405, { errors: [{ code: "UNSUPPORTED", message: "method not allowed" }] }, { Allow: "GET, POST" });
  }

  /** The GET flow: anonymous, or Basic credentials. */
  #get(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const record = newRecord("GET", url.searchParams.get("service"), url.searchParams.getAll("scope"));
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === "invalid") return this.#refuse(res, record);
    if (credentials) {
      if (this.#users.get(credentials.user) !== credentials.password) return this.#refuse(res, record);
      record.grant = "basic";
      record.user = credentials.user;
    }
    return this.#issue(res, record, url.searchParams.get("offline_token") === "true");
  }

  /** The OAuth2 POST flow: grant_type password or refresh_token. */
  #post(res: http.ServerResponse, form: URLSearchParams) {
    const record = newRecord("POST", form.get("service"), form.getAll("scope"));
    const grantType = form.get("grant_type");
    const offline = form.get("access_type") === "offline" || form.get("offline_token") === "true";
    if (grantType === "password") {
      record.grant = "password";
      const user = form.get("username") ?? "";
      if (!this.#users.has(user) || this.#users.get(user) !== form.get("password")) return this.#refuse(res, record);
      record.user = user;
      return this.#issue(res, record, offline);
    }
    if (grantType === "refresh_token") {
      record.grant = "refresh_token";
      const user = this.#refreshTokens.get(form.get("refresh_token") ?? "");
      if (!user) return this.#refuse(res, record);
      record.user = user;
      return this.#issue(res, record, offline);
    }
    record.status = 400;
    this.requests.push(record);
    send(res, 400, { error: "unsupported_grant_type" });
  }

  #signJwt(claims: object): string {
    const header =
      this.keyMode === "x5c"
        ? { typ: "JWT", alg: "RS256", x5c: [this.#cert.raw.toString("base64")] }
        : { typ: "JWT", alg: "RS256", kid: this.keyId };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign("sha256", Buffer.from(input), this.#privateKey))}`;
  }

  #grant(user: string, scopes: string[]): TokenAccess[] {
    const granted: TokenAccess[] = [];
    for (const wanted of parseScopes(scopes)) {
      const actions = user
        ? wanted.actions
        : this.#anonymousPull && wanted.type === "repository"
          ? wanted.actions.filter((a) => a === "pull")
          : [];
      const previous = granted.find((g) => g.type === wanted.type && g.name === wanted.name);
      if (previous) previous.actions = [...new Set([...previous.actions, ...actions])];
      else granted.push({ ...wanted, actions: [...actions] });
    }
    return granted;
  }

  #issue(res: http.ServerResponse, record: TokenRequest, offline: boolean) {
    this.requests.push(record);
    if (record.service !== null && record.service !== this.service) {
      record.status = 400;
      send(res, 400, { errors: [{ code: "UNSUPPORTED", message: `unknown service ${record.service}` }] });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    record.access = this.#grant(record.user ?? "", record.scopes);
    const token = this.#signJwt({
      iss: this.issuer,
      sub: record.user ?? "",
      aud: this.service,
      exp: now + this.expiresIn - 60,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: record.access,
    });
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: this.expiresIn,
      issued_at: new Date(now * 1000).toISOString(),
    };
    if (offline && record.user) {
      const refresh = randomBytes(24).toString("base64url");
      this.#refreshTokens.set(refresh, record.user);
      body.refresh_token = refresh;
      record.refreshToken = true;
    }
    send(res, 200, body);
  }

  #refuse(res: http.ServerResponse, record: TokenRequest) {
    record.status = 401;
    record.user = undefined;
    this.requests.push(record);
    send(
      res,
      401,
      { errors: [{ code: "UNAUTHORIZED", message: "invalid credentials" }] },
      { "WWW-Authenticate": 'Basic realm="token"' },
    );
  }
}

function newRecord(method: "GET" | "POST", service: string | null, scopes: string[]): TokenRequest {
  const split = scopes.flatMap((s) => s.split(" ")).filter(Boolean);
  return { method, grant: "anonymous", user: "", service, scopes: split, access: [], status: 200, refreshToken: false };
}

/** Scope grammar `type[(class)]:name:actions`; the name may contain ":" (host:port), so split on first and last. */
function parseScopes(scopes: string[]): TokenAccess[] {
  const out: TokenAccess[] = [];
  for (const scope of scopes) {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    if (first < 0 || last === first) continue;
    const type = scope.slice(0, first);
    const klass = /^([^()]+)\(([^()]+)\)$/.exec(type);
    const entry: TokenAccess = {
      type: klass ? klass[1]! : type,
      name: scope.slice(first + 1, last),
      actions: scope
        .slice(last + 1)
        .split(",")
        .filter(Boolean),
    };
    if (klass) entry.class = klass[2]!;
    out.push(entry);
  }
  return out;
}

function basicCredentials(header: string | undefined): { user: string; password: string } | "invalid" | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ");
  if (!scheme || !/^basic$/i.test(scheme) || !value) return "invalid";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "invalid";
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data), ...headers });
  res.end(data);
}
