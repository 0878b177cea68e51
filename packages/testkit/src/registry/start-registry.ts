// Starts the Debian `docker-registry` (distribution 2.8.2) on 127.0.0.1 on a free port with its own storage,
// in one of four modes: plain HTTP, htpasswd Basic, token (JWT from an in-process token server), each optionally
// over TLS. Recipes §1–§4; the kit's registry-harness.mjs, ported and extended.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../internal/free-port.js";
import { request } from "../internal/http.js";
import { testCertificates } from "./certs.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

/** How the registry authenticates clients. */
export type RegistryAuth = "none" | "htpasswd" | "token";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** @default "none" */
  auth?: RegistryAuth;
  /** Serve HTTPS with a certificate signed by the cached test CA (returned as `caFile`). @default false */
  tls?: boolean;
  /**
   * Require a client certificate signed by the test CA (`http.tls.clientcas`, mTLS; needs `tls`): a client without
   * one fails the TLS handshake. The certificate and key to present are returned as `clientCert` / `clientKey`.
   * @default false
   */
  clientCa?: boolean;
  /** `storage.delete.enabled`; when false, DELETE answers 405 UNSUPPORTED. @default true */
  deleteEnabled?: boolean;
  /** Extra environment for the registry process; every config key has a `REGISTRY_*` variable. */
  env?: Record<string, string>;
  /** The test user of htpasswd and token modes. @default "testuser" / "testpassword" */
  username?: string;
  password?: string;
  /** Token mode: lifetime (see TokenServerOptions.expiresIn), `kid` or `x5c`, anonymous pull. */
  token?: { expiresIn?: number; keyMode?: "kid" | "x5c"; anonymousPull?: boolean };
  /** The registry binary. @default "docker-registry" (looked up on PATH) */
  binary?: string;
  /** How long to wait for the first HTTP answer. @default 15000 */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 3000 */
  stopGraceMs?: number;
}

/** What a test needs to talk to a running registry; plain JSON (vitest `provide`, the CLI's output). */
export interface RegistryInfo {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  url: string;
  /** `127.0.0.1:<port>`. */
  host: string;
  port: number;
  auth: RegistryAuth;
  tls: boolean;
  /** The test user (htpasswd and token modes). */
  credentials?: { username: string; password: string };
  /** Token mode: the realm, service and issuer the registry advertises, and the token server's base URL. */
  token?: { realm: string; service: string; issuer: string; url: string; keyId: string };
  /** TLS: the CA to trust, and a directory holding it as `ca.crt` (skopeo `--cert-dir`). */
  caFile?: string;
  certDir?: string;
  /** mTLS (`clientCa`): the client certificate and key (PEM files) the registry accepts. */
  clientCert?: string;
  clientKey?: string;
  /** The registry's storage root. */
  dataDir: string;
  /** The registry's temp directory (config, logs, storage); removed by `stop()`. */
  dir: string;
  pid: number;
}

/** A running registry. */
export interface RunningRegistry extends RegistryInfo {
  /** The serialisable part. */
  readonly info: RegistryInfo;
  /** Milliseconds from spawn to the first HTTP answer. */
  readonly startMs: number;
  /** Token mode: the in-process token server (records requests; `setExpiresIn`). */
  readonly tokenServer?: TokenServer;
  /** The registry's stdout and stderr so far. */
  logs(): string;
  /** SIGTERM, then SIGKILL after a grace period; stops the token server; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_USER = "testuser";
const DEFAULT_PASSWORD = "testpassword";
/** bcrypt of "testpassword" (cost 10), used when apache2-utils' htpasswd is missing. */
const FALLBACK_HTPASSWD = "testuser:$2b$10$wFLWC11G4/LuiNGiuDqLpOJbEFOVtpEVtIV9qYTdQVbocUI1T.39S\n";

/** Starts a registry. Throws with an install hint when `docker-registry` is not installed. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const binary = findBinary(options.binary ?? "docker-registry");
  const auth = options.auth ?? "none";
  const tls = options.tls ?? false;
  const username = options.username ?? DEFAULT_USER;
  const password = options.password ?? DEFAULT_PASSWORD;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toci-registry-"));
  const dataDir = path.join(dir, "data");
  const certs = tls || auth === "token" ? testCertificates() : undefined;
  const setup: Setup = { options, auth, tls, username, password, dir, dataDir, certs };
  let tokenServer: TokenServer | undefined;
  try {
    if (auth === "token" && certs) {
      tokenServer = await startTokenServer({
        keyFile: certs.tokenKey,
        certFile: certs.tokenCert,
        users: { [username]: password },
        ...options.token,
      });
    }
    const configFile = writeConfig(setup, tokenServer);

    const scheme = tls ? "https" : "http";
    let lastError: unknown;
    // A port from freePort() can be taken before the registry binds it; the registry then exits at once.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const logFile = path.join(dir, "registry.log");
      const child = spawnRegistry(binary, configFile, logFile, {
        ...options.env,
        REGISTRY_HTTP_ADDR: `127.0.0.1:${port}`,
      });
      const url = `${scheme}://127.0.0.1:${port}`;
      const started = Date.now();
      try {
        const client = tls && options.clientCa && certs ? { certFile: certs.clientCert, keyFile: certs.clientKey } : {};
        await waitReady(url, child, {
          logFile,
          tlsFiles: { caFile: certs?.caFile, ...client },
          timeoutMs: options.readyTimeoutMs ?? 15_000,
        });
      } catch (error) {
        lastError = error;
        await stopChild(child, 500);
        if (/address already in use/.test(readLog(logFile))) continue;
        throw error;
      }
      const startMs = Date.now() - started;
      const info = registryInfo(setup, { url, port, pid: child.pid ?? 0, tokenServer });
      const running = tokenServer;
      let stopping: Promise<void> | undefined;
      return {
        ...info,
        info,
        startMs,
        tokenServer: running,
        logs: () => readLog(logFile),
        stop() {
          stopping ??= (async () => {
            await stopChild(child, options.stopGraceMs ?? 3000);
            await running?.stop();
            fs.rmSync(dir, { recursive: true, force: true });
          })();
          return stopping;
        },
      };
    }
    throw lastError;
  } catch (error) {
    await tokenServer?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What startRegistry settled on before it starts anything. */
interface Setup {
  options: StartRegistryOptions;
  auth: NonNullable<StartRegistryOptions["auth"]>;
  tls: boolean;
  username: string;
  password: string;
  dir: string;
  dataDir: string;
  certs: ReturnType<typeof testCertificates> | undefined;
}

/** Writes distribution's config.yml (storage, http, TLS, auth) into the registry's directory; returns its path. */
function writeConfig(setup: Setup, tokenServer: TokenServer | undefined): string {
  const { options, auth, tls, certs, dir } = setup;
  const config = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(setup.dataDir)}`,
    "  delete:",
    `    enabled: ${options.deleteEnabled ?? true}`,
    "http:",
    "  addr: 127.0.0.1:0", // replaced by REGISTRY_HTTP_ADDR
    "  secret: test-secret-not-for-production",
  ];
  if (tls && certs) {
    config.push(
      "  tls:",
      `    certificate: ${JSON.stringify(certs.tlsCert)}`,
      `    key: ${JSON.stringify(certs.tlsKey)}`,
    );
    if (options.clientCa) config.push("    clientcas:", `      - ${JSON.stringify(certs.caFile)}`);
  }
  if (auth === "htpasswd") {
    const htpasswd = path.join(dir, "htpasswd");
    fs.writeFileSync(htpasswd, htpasswdLine(setup.username, setup.password));
    config.push("auth:", "  htpasswd:", "    realm: test-registry", `    path: ${JSON.stringify(htpasswd)}`);
  }
  if (tokenServer && certs) {
    config.push(
      "auth:",
      "  token:",
      `    realm: ${tokenServer.realm}`,
      `    service: ${tokenServer.service}`,
      `    issuer: ${tokenServer.issuer}`,
      `    rootcertbundle: ${JSON.stringify(certs.tokenCert)}`,
    );
  }
  const configFile = path.join(dir, "config.yml");
  fs.writeFileSync(configFile, `${config.join("\n")}\n`);
  return configFile;
}

/** What a test needs to know of a started registry. */
function registryInfo(
  setup: Setup,
  started: { url: string; port: number; pid: number; tokenServer: TokenServer | undefined },
): RegistryInfo {
  const { options, auth, tls, certs } = setup;
  const { url, port, pid, tokenServer } = started;
  const info: RegistryInfo = {
    url,
    host: `127.0.0.1:${port}`,
    port,
    auth,
    tls,
    dataDir: setup.dataDir,
    dir: setup.dir,
    pid,
  };
  if (auth !== "none") info.credentials = { username: setup.username, password: setup.password };
  if (tokenServer) {
    const { realm, service, issuer, url: tokenUrl, keyId } = tokenServer;
    info.token = { realm, service, issuer, url: tokenUrl, keyId };
  }
  if (tls && certs) {
    info.caFile = certs.caFile;
    info.certDir = certs.certDir;
    if (options.clientCa) {
      info.clientCert = certs.clientCert;
      info.clientKey = certs.clientKey;
    }
  }
  return info;
}

/** Resolves a binary name on PATH, or throws the install hint. */
function findBinary(name: string): string {
  const candidates = name.includes("/")
    ? [name]
    : (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, name));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(
    `${name} not found: the tests need a real registry (distribution 2.8). ` +
      "Install it with `apt-get install docker-registry` (Debian/Ubuntu), " +
      "or run one with `docker run -d -p 127.0.0.1:5001:5000 registry:2` and point the tests at it.",
  );
}

/** One htpasswd line: bcrypt via apache2-utils at a low cost (the registry checks it on every request). */
function htpasswdLine(username: string, password: string): string {
  try {
    const line = execFileSync("htpasswd", ["-nbB", "-C", "5", username, password], { stdio: "pipe" }).toString();
    return `${line.trim()}\n`;
  } catch {
    if (username === DEFAULT_USER && password === DEFAULT_PASSWORD) return FALLBACK_HTPASSWD;
    throw new Error("htpasswd not found: install apache2-utils (`apt-get install apache2-utils`)");
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function spawnRegistry(binary: string, configFile: string, logFile: string, env: Record<string, string>): ChildProcess {
  const log = fs.openSync(logFile, "w");
  const child = spawn(binary, ["serve", configFile], {
    stdio: ["ignore", log, log],
    env: { ...process.env, ...env },
  });
  fs.closeSync(log);
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test runner that exits without stop() must not leave registries behind.
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  return child;
}

async function waitReady(
  url: string,
  child: ChildProcess,
  wait: {
    logFile: string;
    tlsFiles: { caFile?: string | undefined; certFile?: string; keyFile?: string };
    timeoutMs: number;
  },
): Promise<void> {
  const { logFile, tlsFiles, timeoutMs } = wait;
  const deadline = Date.now() + timeoutMs;
  let spawnError: Error | undefined;
  child.once("error", (e) => {
    spawnError = e;
  });
  while (Date.now() < deadline) {
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}): ${readLog(logFile).trim()}`);
    }
    try {
      await request({ url: `${url}/v2/`, ...tlsFiles, timeoutMs: 1000 }); // any status (200/401) = serving
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`docker-registry not ready at ${url} after ${timeoutMs} ms: ${readLog(logFile).trim()}`);
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
