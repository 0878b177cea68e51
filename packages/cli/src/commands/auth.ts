// login, logout and ping. login checks the credentials against the registry first (a ping that authenticates:
// Basic, or a token request with them), then stores them where docker would: the credential helper when one is
// configured for the registry, else config.json (mode 0600).
import { createInterface } from "node:readline";
import { credentialsFor, openSession, type RegistryFlags, registryName } from "../context.js";
import { eraseCredentials, storeCredentials } from "../credentials.js";
import { UsageError } from "../errors.js";
import type { Run } from "../run.js";

/** Asks on the terminal; hides what is typed when `secret`. */
function prompt(question: string, secret = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    const internal = rl as unknown as { _writeToOutput: (s: string) => void };
    internal._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stderr.write(question);
    };
  }
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      if (secret) process.stderr.write("\n");
      resolve(answer);
    }),
  );
}

export async function login(run: Run, registryText: string, flags: RegistryFlags): Promise<void> {
  const { host, scheme } = registryName(registryText);
  let username = flags.username ?? process.env["TOCI_USERNAME"];
  let password = flags.password;
  if (flags.passwordStdin || flags.password !== undefined || flags.username !== undefined) {
    const auth = await credentialsFor({ ...flags, username });
    if (typeof auth === "function" || auth.type !== "basic") {
      throw new UsageError("login needs a username and a password");
    }
    username = auth.username;
    password = auth.password;
  } else if (process.env["TOCI_USERNAME"] && process.env["TOCI_PASSWORD"] !== undefined) {
    password = process.env["TOCI_PASSWORD"];
  } else if (process.stdin.isTTY) {
    username = await prompt("Username: ");
    password = await prompt("Password: ", true);
  }
  if (!username || password === undefined) {
    throw new UsageError("login needs -u/--username with -p/--password or --password-stdin");
  }
  if (flags.password !== undefined) {
    run.out.warn("a password on the command line can be read by other users (ps, shell history); use --password-stdin");
  }
  const session = await openSession(run.out, { ...flags, username, password, passwordStdin: false }, "memory");
  try {
    const registry = await session.registry(host, scheme);
    await session.strict(registry).ping({ signal: run.signal });
  } finally {
    await session.close();
  }
  const where = await storeCredentials(host, username, password);
  const place = "helper" in where ? `credential helper docker-credential-${where.helper}` : where.file;
  run.out.result({ registry: host, username, storedIn: where }, [`Login Succeeded (credentials stored in ${place})`]);
}

export async function logout(run: Run, registryText: string): Promise<void> {
  const { host } = registryName(registryText);
  const removed = await eraseCredentials(host);
  run.out.result({ registry: host, removed }, [
    removed ? `Removed login credentials for ${host}` : `Not logged in to ${host}`,
  ]);
}

export async function ping(run: Run, registryText: string, flags: RegistryFlags): Promise<void> {
  const { host, scheme } = registryName(registryText);
  const session = await openSession(run.out, flags, "memory");
  try {
    const registry = await session.registry(host, scheme);
    const started = Date.now();
    await session.strict(registry).ping({ signal: run.signal });
    const ms = Date.now() - started;
    run.out.result({ registry: host, url: registry.url, ok: true, ms }, [`${registry.url} OK (${ms} ms)`]);
  } finally {
    await session.close();
  }
}
