// What every command shares: its options, the Client (its transport, its store, a logger that shows the client's
// diagnostics with --debug), the throwing API of @toci/client/strict (a command reports the OciError a call fails
// with), the credentials for a registry, and reference parsing that turns a bad reference into a usage error
// (exit 2). The client and the transport are imported only when a command needs them: `toci --help` and usage
// errors stay near bare Node start-up (docs/architecture.md, "The command's start-up").
import type { Auth, Client, Logger, Registry } from "@toci/client";
import type { strict } from "@toci/client/strict";
import type { CredentialProvider } from "@toci/credentials";
import type { Store } from "@toci/spec-types";
import { isOciError, normalizeRegistry, parsePlatform, parseReference, type Reference } from "@toci/spec-types";
import { loadConfig } from "./config/config-file.js";
import { readCaFile, registryPlan, transportOptions } from "./config/network.js";
import { layoutStore } from "./deferred-layout.js";
import { UsageError } from "./errors.js";
import { layoutWarnings } from "./layout-warnings.js";
import type { Output } from "./output.js";
import { parseCount, parseSize } from "./size.js";

/** The options that apply to every command. */
export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
  progress?: boolean;
}

/** The options of a command that talks to a registry. */
/** A user name and password given for one registry (see Session.registry). */
export interface Credentials {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

export interface RegistryFlags extends GlobalOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  plainHttp?: boolean;
  insecure?: boolean;
  caFile?: string;
  /** --proxy URL, or false for --no-proxy (else HTTPS_PROXY/HTTP_PROXY/NO_PROXY). */
  proxy?: string | false;
  /** -j/--concurrency of pull, push and copy, as typed. */
  concurrency?: string;
  /** --chunk-size of pull, push and copy, as typed. */
  chunkSize?: string;
}

/** The client's log lines as --debug lines on stderr (failures reach the command as the OciError they throw). */
function debugLogger(out: Output): Logger {
  return {
    debug: (message, fields) => out.debug(message, fields),
    info: (message, fields) => out.debug(message, fields),
    warn: (message, fields) => out.debug(`warning: ${message}`, fields),
    error: (message, fields) => out.debug(message, fields),
  };
}

/** Parses a reference; a bad one is a usage error. `repoOnly` refuses a tag or digest (for `toci tags`). */
export function reference(value: string, options: { defaultTag?: false; repoOnly?: boolean } = {}): Reference {
  let ref: Reference;
  try {
    ref = parseReference(value, options.defaultTag === false || options.repoOnly ? { defaultTag: false } : {});
  } catch (error) {
    throw new UsageError(isOciError(error) ? error.message : String(error));
  }
  if (options.repoOnly && (ref.tag !== undefined || ref.digest !== undefined)) {
    throw new UsageError(`expected a repository without a tag or digest, got ${JSON.stringify(value)}`);
  }
  return ref;
}

/** Parses `os/arch[/variant]`; a bad one is a usage error. */
export function platform(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parsePlatform(value);
  } catch (error) {
    throw new UsageError(isOciError(error) ? error.message : String(error));
  }
  return value;
}

/** How a registry should be reached, from how it was named: `http://` or `https://` forces the scheme. */
export type Scheme = "http" | "https" | undefined;

/** A registry name as typed (`localhost:5000`, `https://ghcr.io`, `docker.io`): host[:port], and a scheme if given. */
export function registryName(value: string): { host: string; scheme: Scheme } {
  const match = /^(?:(https?):\/\/)?([^/\s]+)\/?$/i.exec(value.trim());
  if (!match) throw new UsageError(`invalid registry ${JSON.stringify(value)}: expected host[:port]`);
  const host = match[2]!.toLowerCase();
  try {
    parseReference(`${host}/x`, { defaultRegistry: false });
  } catch {
    throw new UsageError(`invalid registry ${JSON.stringify(value)}: expected host[:port]`);
  }
  return {
    host: normalizeRegistry(host), // the one rule of references: index.docker.io is docker.io
    scheme: match[1]?.toLowerCase() as Scheme,
  };
}

/** Reads all of stdin (for --password-stdin). */
let stdin: Promise<string> | undefined;

/** All of stdin, read once: a command that needs it twice (copy's two registries, --password-stdin) gets it twice. */
export function readStdin(): Promise<string> {
  stdin ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  })();
  return stdin;
}

/**
 * The credentials for a registry, in order: -u with -p or --password-stdin; TOCI_USERNAME/TOCI_PASSWORD; docker
 * config (auths, credsStore, credHelpers) as a credential provider, which the client asks only when the registry
 * asks for credentials (anonymous when it has none).
 */
export async function credentialsFor(flags: RegistryFlags): Promise<Auth> {
  if (flags.password !== undefined && flags.passwordStdin) {
    throw new UsageError("--password and --password-stdin cannot be used together");
  }
  if (flags.username !== undefined || flags.password !== undefined || flags.passwordStdin) {
    if (flags.username === undefined) throw new UsageError("a password needs -u/--username");
    let password = flags.password;
    if (flags.passwordStdin) password = (await readStdin()).replace(/\r?\n$/, "");
    if (password === undefined) throw new UsageError("-u/--username needs -p/--password or --password-stdin");
    return { type: "basic", username: flags.username, password };
  }
  const user = process.env["TOCI_USERNAME"];
  const pass = process.env["TOCI_PASSWORD"];
  if (user && pass !== undefined) return { type: "basic", username: user, password: pass };
  return dockerProviderLazily();
}

/**
 * docker's credentials as a provider whose code loads when a registry first asks: a pull from an anonymous registry
 * never loads it (a bundle chunk, node:child_process for the helpers; docs/architecture.md, "The command's
 * start-up"), as it never reads config.json.
 */
function dockerProviderLazily(): CredentialProvider {
  let provider: Promise<CredentialProvider> | undefined;
  return async (host, request) => {
    provider ??= import("./credentials.js").then(({ dockerProvider }) => dockerProvider());
    return (await provider)(host, request);
  };
}

/** A client and what it needs, closed with `close()`. */
export interface Session {
  client: Client;
  /** The throwing face of a repository or registry: a failed call rejects with its OciError. */
  strict: typeof strict;
  /**
   * A registry with its credentials, TLS and plain-HTTP settings; `credentials` replaces the command's -u/-p for
   * this registry (copy's --from-… and --to-… flags).
   */
  registry(host: string, scheme?: Scheme, credentials?: Credentials): Promise<Registry>;
  close(): Promise<void>;
}

/**
 * Opens a client: the node:http transport (the proxy of --proxy, --no-proxy or the environment; the CA of --ca-file,
 * or no verification with --insecure; TLS and mirrors per registry from the configuration file), and a store: the
 * OCI layout at `storeDir`, or memory for commands that keep nothing.
 */
export async function openSession(
  out: Output,
  flags: RegistryFlags,
  store: { dir: string } | "memory",
): Promise<Session> {
  // node:http rather than fetch: it starts a process ~400 ms faster and lighter (fetch loads undici), keeps HEADs on
  // their connection, and takes a CA or insecure TLS per transport (packages/transport-node/README.md, bench).
  const tuned = tuning(flags);
  // What the command needs is loaded at once (the bundle's chunks, the configuration file), not one after another:
  // each is a round trip to the file system, and on a busy machine a wait for the CPU as well.
  const config = loadConfig();
  config.catch(() => {}); // awaited below, once --ca-file was read: its error comes first
  const [{ Client }, { strict }, { nodeTransport }, layout] = await Promise.all([
    import("@toci/client"),
    import("@toci/client/strict"),
    import("@toci/transport-node"),
    store === "memory" ? undefined : import("@toci/store-fs"),
  ]);
  if (flags.insecure) {
    out.warn(
      "--insecure: TLS certificates are NOT verified; anyone on the network path can read and alter this traffic",
    );
  }
  const ca = await readCaFile(flags.caFile);
  const network = { plainHttp: flags.plainHttp, insecure: flags.insecure, ca, proxy: flags.proxy };
  const settings = await config;
  const logger = debugLogger(out);
  const transport = nodeTransport(await transportOptions(network, settings));
  let storeImpl: Store;
  if (store === "memory" || !layout) {
    const { memoryStore } = await import("@toci/store-memory");
    storeImpl = memoryStore();
  } else {
    const { fsStore } = layout;
    const open = () => fsStore(store.dir, { onWarning: layoutWarnings(out).onWarning });
    // A layout not there yet is created by the first write: a pull that fails first leaves no empty directory.
    storeImpl = await layoutStore(store.dir, open);
  }
  const client = new Client({ transport, store: storeImpl, logger, ...tuned });
  return {
    client,
    strict,
    async registry(host, scheme, credentials) {
      const auth = await credentialsFor(credentials ? { ...flags, ...credentials } : flags);
      // A mirror is asked about with its own host: never the -u/-p or TOCI_* credentials given for this registry.
      const plan = registryPlan(host, scheme, { flags: network, config: settings, mirrorAuth: dockerProviderLazily() });
      for (const warning of plan.warnings) out.warn(warning);
      return client.registry(plan.url, {
        auth,
        plainHttp: plan.plainHttp,
        allowInsecureCredentials: plan.allowInsecureCredentials,
        mirrors: plan.mirrors,
      });
    },
    async close() {
      // Closes the transport (its keep-alive sockets) and the store too.
      await client.close();
    },
  };
}

/** The 1 GiB cap on chunks, the client's own cap on a registry's minimum chunk (regclient's): beyond, a typo. */
const MAX_CHUNK = 1024 ** 3;
/** Far more parallel blobs than any registry serves one client well; a typo like 800 should not open 800 sockets. */
const MAX_CONCURRENCY = 64;
/** Below this, per-request overhead dominates (and registries' minimum chunk sizes are larger anyway). */
const MIN_CHUNK = 64 * 1024;

/** Client options from the transfer flags: a chunk size is also the largest blob sent in one request. */
function tuning(flags: RegistryFlags): { concurrency?: number; chunkSize?: number; monolithicMax?: number } {
  const out: { concurrency?: number; chunkSize?: number; monolithicMax?: number } = {};
  if (flags.concurrency !== undefined) {
    out.concurrency = parseCount(flags.concurrency, "--concurrency", MAX_CONCURRENCY);
  }
  if (flags.chunkSize !== undefined) {
    out.chunkSize = parseSize(flags.chunkSize, "--chunk-size", MIN_CHUNK, MAX_CHUNK);
    out.monolithicMax = out.chunkSize;
  }
  return out;
}
