// A small in-memory registry with a token server, as a Request → Response handler, for unit tests of the client's
// protocol logic (auth handshakes, pagination, resolve fallbacks). It implements only what those tests touch;
// everything end to end runs against the real distribution registry in the integration tests.
import { createHash } from "node:crypto";
import { handlerTransport, json } from "./handler-transport.js";

export interface FakeRegistryOptions {
  origin?: string;
  realm?: string;
  /** "token": Bearer challenges and a token server; "basic": Basic challenges; "none": open. */
  auth?: "token" | "basic" | "none";
  users?: Record<string, string>;
  /** Token server answers with `access_token` only. */
  accessTokenOnly?: boolean;
  /** Seconds a token lives (expires_in). */
  expiresIn?: number;
  tagsPageSize?: number;
  /** Tag pages without a Link header (a client must ask again with `last=` after a full page). */
  noLink?: boolean;
  omitDigestOnHead?: boolean;
}

export function fakeRegistry(options: FakeRegistryOptions = {}) {
  const origin = options.origin ?? "http://127.0.0.1:5999";
  const realm = options.realm ?? "http://127.0.0.1:5998/token";
  const mode = options.auth ?? "none";
  const users = options.users ?? { alice: "secret" };
  const manifests = new Map<string, { body: Uint8Array; type: string }>();
  const tags = new Map<string, Map<string, string>>();
  const blobs = new Map<string, Uint8Array>();
  const issued = new Map<string, { scopes: string[]; user?: string }>();
  const tokenRequests: URL[] = [];
  let tokenSeq = 0;
  const revoked = new Set<string>();

  const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

  const addManifest = (repo: string, tag: string | undefined, value: unknown, type: string) => {
    const body = new TextEncoder().encode(JSON.stringify(value));
    const digest = sha(body);
    manifests.set(`${repo}@${digest}`, { body, type });
    if (tag) {
      const t = tags.get(repo) ?? new Map();
      t.set(tag, digest);
      tags.set(repo, t);
    }
    return { mediaType: type, digest, size: body.byteLength };
  };
  const addBlob = (bytes: Uint8Array) => {
    const digest = sha(bytes);
    blobs.set(digest, bytes);
    return { mediaType: "application/octet-stream", digest, size: bytes.byteLength };
  };

  const challenge = (scope?: string) =>
    mode === "basic"
      ? 'Basic realm="fake"'
      : `Bearer realm="${realm}",service="fake"${scope ? `,scope="${scope}"` : ""}`;

  const authorized = (req: Request, repo: string | undefined, action: string): boolean => {
    if (mode === "none") return true;
    const header = req.headers.get("authorization") ?? "";
    if (mode === "basic") {
      const [u, p] = atob(header.replace(/^Basic /, "")).split(":");
      return header.startsWith("Basic ") && users[u!] === p;
    }
    if (!header.startsWith("Bearer ")) return false;
    const token = header.slice(7);
    const grant = issued.get(token);
    if (!grant || revoked.has(token)) return false;
    if (!repo) return true;
    return grant.scopes.some((s) => {
      const [, name, actions] = /^repository:(.+):([^:]+)$/.exec(s) ?? [];
      return name === repo && (actions ?? "").split(",").includes(action);
    });
  };

  const tokenServer = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    tokenRequests.push(url);
    let user: string | undefined;
    const header = req.headers.get("authorization");
    if (header?.startsWith("Basic ")) {
      const [u, p] = atob(header.slice(6)).split(":");
      if (users[u!] !== p) return new Response("bad credentials", { status: 401 });
      user = u;
    }
    let scopes = url.searchParams.getAll("scope");
    if (req.method === "POST") {
      const form = new URLSearchParams(await req.text());
      if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== "refresh-me") {
        return new Response("bad grant", { status: 401 });
      }
      user = "alice";
      scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
    }
    // Anonymous: pull only. Users: everything asked.
    const granted = scopes.map((s) =>
      user
        ? s
        : s.replace(
            /:([^:]+)$/,
            (_m, a: string) =>
              `:${a
                .split(",")
                .filter((x) => x === "pull")
                .join(",")}`,
          ),
    );
    const token = `tok${++tokenSeq}`;
    issued.set(token, { scopes: granted, user });
    const expires = options.expiresIn ?? 300;
    return json(
      options.accessTokenOnly ? { access_token: token, expires_in: expires } : { token, expires_in: expires },
    );
  };

  const registry = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/v2/") {
      if (!authorized(req, undefined, "pull"))
        return new Response(null, { status: 401, headers: { "www-authenticate": challenge() } });
      return json({});
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(path);
    if (!m) return new Response("404 page not found", { status: 404 });
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (!authorized(req, repo, "pull")) {
      return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), {
        status: 401,
        headers: { "www-authenticate": challenge(`repository:${repo}:pull`), "content-type": "application/json" },
      });
    }
    if (kind === "tags") {
      const all = [...(tags.get(repo)?.keys() ?? [])].sort();
      const n = Number(url.searchParams.get("n") ?? options.tagsPageSize ?? all.length);
      const size = Math.min(n, options.tagsPageSize ?? n);
      const last = url.searchParams.get("last");
      const start = last ? all.indexOf(last) + 1 : 0;
      const page = all.slice(start, start + size);
      const headers: Record<string, string> = {};
      if (start + size < all.length && !options.noLink)
        headers.link = `</v2/${repo}/tags/list?n=${size}&last=${page.at(-1)}>; rel="next"`;
      return json({ name: repo, tags: all.length ? page : null }, { headers });
    }
    if (kind === "manifests") {
      const digest = ref.startsWith("sha256:") ? ref : tags.get(repo)?.get(ref);
      const entry = digest && manifests.get(`${repo}@${digest}`);
      if (!entry) return json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
      const headers: Record<string, string> = {
        "content-type": entry.type,
        "content-length": String(entry.body.byteLength),
      };
      if (!(req.method === "HEAD" && options.omitDigestOnHead)) headers["docker-content-digest"] = digest!;
      return new Response(req.method === "HEAD" ? null : (entry.body as BodyInit), { headers });
    }
    const blob = blobs.get(ref);
    if (!blob) return json({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown" }] }, { status: 404 });
    return new Response(req.method === "HEAD" ? null : (blob as BodyInit), {
      headers: { "content-length": String(blob.byteLength) },
    });
  };

  const transport = handlerTransport((req) => (req.url.startsWith(realm) ? tokenServer(req) : registry(req)));
  return { origin, realm, transport, addManifest, addBlob, tokenRequests, revoke: (t: string) => revoked.add(t), tags };
}
