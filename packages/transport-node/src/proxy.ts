// Which proxy a request goes through, as curl and Go decide it (Go's golang.org/x/net/http/httpproxy is the model,
// https://pkg.go.dev/golang.org/x/net/http/httpproxy): `HTTPS_PROXY` for https: URLs, `HTTP_PROXY` for http: ones,
// upper case first then lower case, `HTTP_PROXY` ignored when `REQUEST_METHOD` is set (a CGI program's environment
// can be set by a client: "httpoxy", CVE-2016-5385), and `NO_PROXY` for what goes direct. Loopback (localhost,
// 127.0.0.0/8, ::1) never goes through a proxy taken from the environment, as in Go; an explicit `proxy` option
// proxies it unless its `noProxy` says otherwise. Only http:// proxies are spoken to (a CONNECT tunnel carries TLS
// to https: registries).

import { Buffer } from "node:buffer";
import { BlockList, isIP } from "node:net";
import { OciError } from "@toci/spec-types";

/** An explicit proxy configuration (the `proxy` option as an object). */
export interface ProxyOptions {
  /**
   * The proxy for http: URLs (`"http://[user:pass@]host:port"`).
   * @default undefined (direct)
   */
  http?: string;
  /**
   * The proxy for https: URLs, reached with a CONNECT tunnel.
   * @default undefined (direct)
   */
  https?: string;
  /**
   * Hosts that go direct, in `NO_PROXY` syntax: comma-separated host names (`example.com` also matches its
   * subdomains; `.example.com` and `*.example.com` only them), IP addresses, CIDR ranges (`10.0.0.0/8`),
   * `host:port` for one port, `*` for everything.
   * @default ""
   */
  noProxy?: string;
}

/** A proxy to connect to. */
export interface ProxyEndpoint {
  host: string;
  port: number;
  /** `Proxy-Authorization` for the proxy's own credentials (`user:pass@` in its URL), sent to the proxy only. */
  authorization: string | undefined;
  /** Identifies the proxy in pool keys (without its credentials). */
  key: string;
}

/** The proxy configuration of a transport, normalised. */
export interface ProxySettings {
  http: ProxyEndpoint | undefined;
  https: ProxyEndpoint | undefined;
  noProxy: (host: string, port: string) => boolean;
}

/** The settings for the `proxy` option: the environment's by default, one proxy, an object, or none. */
export function proxySettings(
  option: string | ProxyOptions | false | undefined,
  env: NodeJS.ProcessEnv,
): ProxySettings {
  if (option === false) return { http: undefined, https: undefined, noProxy: () => true };
  if (typeof option === "string") return explicit({ http: option, https: option });
  if (option !== undefined) return explicit(option);
  const read = (name: string) => env[name.toUpperCase()] || env[name.toLowerCase()] || undefined;
  const rules = noProxyRules(read("no_proxy") ?? "");
  return {
    http: endpoint(env["REQUEST_METHOD"] ? env["http_proxy"] || undefined : read("http_proxy"), "HTTP_PROXY"),
    https: endpoint(read("https_proxy"), "HTTPS_PROXY"),
    noProxy: (host, port) => isLoopback(host) || rules(host, port),
  };
}

function explicit(option: ProxyOptions): ProxySettings {
  return {
    http: endpoint(option.http, "proxy.http"),
    https: endpoint(option.https, "proxy.https"),
    noProxy: noProxyRules(option.noProxy ?? ""),
  };
}

/** The proxy for a URL, or undefined when it goes direct. */
export function proxyFor(settings: ProxySettings, url: URL): ProxyEndpoint | undefined {
  const proxy = url.protocol === "https:" ? settings.https : settings.http;
  if (!proxy) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return settings.noProxy(bareHost(url.hostname), port) ? undefined : proxy;
}

function endpoint(value: string | undefined, name: string): ProxyEndpoint | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    // "proxy:3128" without a scheme means http://, as curl and Go read it.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", `${name} is not a URL`, { cause: error });
  }
  if (url.protocol !== "http:") {
    throw new OciError("INVALID_ARGUMENT", `${name}: only http:// proxies are supported, not ${url.protocol}//`);
  }
  const credentials = url.username || url.password;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    host: bareHost(url.hostname),
    port: Number(url.port || 80),
    authorization: credentials ? `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` : undefined,
    key: `${url.hostname}:${url.port || 80}`,
  };
}

/**
 * A matcher for `NO_PROXY` rules (Go's semantics): `*`; an IP address or a CIDR range; a host name, which matches
 * itself and its subdomains, or only the subdomains with a leading `.` or `*.`; any of them with `:port` for that
 * port only. Case-insensitive; empty entries are ignored.
 */
export function noProxyRules(value: string): (host: string, port: string) => boolean {
  const matchers: ((host: string, port: string) => boolean)[] = [];
  for (const raw of value.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return () => true;
    const [name, port] = splitPort(entry);
    const samePort = (p: string) => port === undefined || port === p;
    const slash = name.indexOf("/");
    if (slash > 0) {
      const address = name.slice(0, slash);
      const family = isIP(address);
      const prefix = Number(name.slice(slash + 1));
      if (!family || !Number.isInteger(prefix)) continue;
      const list = new BlockList();
      try {
        list.addSubnet(address, prefix, family === 6 ? "ipv6" : "ipv4");
      } catch {
        continue; // a prefix out of range: no rule, as Go skips an unparsable entry
      }
      matchers.push(
        (host, p) => isIP(host) !== 0 && samePort(p) && list.check(host, isIP(host) === 6 ? "ipv6" : "ipv4"),
      );
    } else if (isIP(name)) {
      matchers.push((host, p) => host === name && samePort(p));
    } else {
      const subdomainsOnly = name.startsWith(".") || name.startsWith("*.");
      const suffix = `.${name.replace(/^\*?\./, "")}`;
      matchers.push(
        (host, p) => samePort(p) && (host.endsWith(suffix) || (!subdomainsOnly && host === suffix.slice(1))),
      );
    }
  }
  return (host, port) => {
    const h = host.toLowerCase();
    return matchers.some((match) => match(h, port));
  };
}

/** `host:port`, `[v6]:port`, or a bare host: [host, port?]. */
function splitPort(entry: string): [string, string | undefined] {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return [v6[1]!, v6[2]];
  const colon = entry.lastIndexOf(":");
  // A bare IPv6 address has several colons and no port.
  if (colon > 0 && entry.indexOf(":") === colon && /^\d+$/.test(entry.slice(colon + 1))) {
    return [entry.slice(0, colon), entry.slice(colon + 1)];
  }
  return [entry, undefined];
}

/** A URL's hostname without the brackets of an IPv6 literal. */
function bareHost(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return host.toLowerCase() === "localhost" || host.toLowerCase().endsWith(".localhost");
  return LOOPBACK.check(host, family === 6 ? "ipv6" : "ipv4");
}
