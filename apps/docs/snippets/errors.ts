// The error model, as shown in guide/errors.md.
import {
  Client,
  isOciError,
  type Logger,
  type OciError,
  parseReference,
  type Registry,
  type Repository,
} from "@toci/client";
import { strict } from "@toci/client/strict";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

export async function results(url: string): Promise<string[]> {
  // #region results
  const seen: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(message, fields) {
      // Every failure reaches the logger with its OciError, even the ones a caller only sees as `undefined`.
      const error = fields?.error;
      if (isOciError(error)) seen.push(`${error.code} ${error.status ?? ""} ${message}`);
    },
  };
  await using client = new Client({ transport: fetchTransport(), store: memoryStore(), logger });
  const repo = client.registry(url).repo("does/not-exist");

  const tags = await repo.tags(); // [] (NAME_UNKNOWN logged)
  const manifest = await repo.resolve("v1"); // undefined (MANIFEST_UNKNOWN or NAME_UNKNOWN logged)
  for await (const event of repo.pull("v1")) {
    if (event.type === "failed") {
      const { code, status, errors } = event.error; // the closed code, the HTTP status, the registry's error body
      console.error(code, status, errors[0]?.message);
      if (event.error.temporary) console.error("worth retrying later");
    }
  }
  // #endregion results
  void tags;
  void manifest;
  return seen;
}

export function throwing(input: string): string {
  // #region throwing
  // Parsing what a user typed may throw, at once, with an OciError:
  try {
    return parseReference(input).toString(); // "docker.io/library/alpine:latest" for "alpine"
  } catch (e) {
    if (isOciError(e)) return `${e.code}: ${e.message}`; // REFERENCE_INVALID
    throw e;
  }
  // #endregion throwing
}

export async function toldApart(repo: Repository): Promise<string> {
  // #region told-apart
  // repo.tags() is [] for a registry that is down, a repository that does not exist and one with no tag alike (the
  // logger hears the first two). strict(repo) rejects with the cause instead:
  try {
    const tags = await strict(repo).tags();
    return tags.length > 0 ? `${tags.length} tags` : "an empty repository"; // it exists: 200 with no tag
  } catch (e) {
    if (!isOciError(e)) throw e;
    if (e.code === "NAME_UNKNOWN") return "no such repository"; // 404 from a registry that answers
    if (e.code === "NETWORK" || e.code === "TIMEOUT") return "the registry did not answer"; // down, or no route
    return `${e.code}: ${e.message}`; // UNAUTHORIZED, DENIED, TOOMANYREQUESTS, …
  }
  // #endregion told-apart
}

export const codes = (e: OciError): boolean => e.code === "DIGEST_MISMATCH";

export async function strictCalls(registry: Registry, repo: Repository): Promise<void> {
  // #region strict
  try {
    const root = await strict(repo).resolve("v1"); // a Descriptor, never undefined
    const tags = await strict(repo).tags(); // every page
    await strict(registry).ping(); // resolves, or rejects with UNAUTHORIZED, NETWORK, …
    console.log(root.digest, tags.length);
  } catch (e) {
    if (isOciError(e)) console.error(e.code, e.status, e.message);
  }
  // #endregion strict
}
