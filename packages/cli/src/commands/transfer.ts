// pull, push and copy: the transfers, with live progress, Ctrl-C that stops cleanly (partials kept, a rerun
// resumes) and a summary (digest, size, time).
import { resolve as resolvePath } from "node:path";
import { type Descriptor, OciError, type TransferEvent } from "@toci/spec-types";
import { type Credentials, hasLayout, openSession, platform, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import { layoutRoot } from "../layout-roots.js";
import { formatBytes, formatDuration, type Output } from "../output.js";
import { TransferView } from "../progress.js";
import type { Run } from "../run.js";

export interface PullFlags extends RegistryFlags {
  store?: string;
  platform?: string;
}

export interface PushFlags extends RegistryFlags {
  store?: string;
  from?: string;
}

export interface CopyFlags extends RegistryFlags {
  platform?: string;
  fromUsername?: string;
  fromPassword?: string;
  toUsername?: string;
  toPassword?: string;
}

/**
 * The credentials of one side of a copy: its own --from-… or --to-… flags when given (and then -u/-p no longer apply
 * to it), else undefined (the command's -u/-p, TOCI_USERNAME, docker config, as for every command).
 */
function sideCredentials(
  username: string | undefined,
  password: string | undefined,
  side: string,
): Credentials | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) throw new UsageError(`--${side}-password needs --${side}-username`);
  if (password === undefined) throw new UsageError(`--${side}-username needs --${side}-password`);
  return { username, password, passwordStdin: false };
}

/**
 * Refuses -u/-p (or --password-stdin, or TOCI_USERNAME/TOCI_PASSWORD) when they would serve both sides of a copy
 * between two registries: a credential goes only to the registry it was given for, and one given for two is
 * ambiguous (the destination's password would reach the source's token server). Same registry: allowed.
 */
function refuseSharedCredentials(
  hosts: { src: string; dst: string },
  flags: CopyFlags,
  own: { from: Credentials | undefined; to: Credentials | undefined },
): void {
  if (own.from || own.to || hosts.src.toLowerCase() === hosts.dst.toLowerCase()) return;
  const given =
    flags.username !== undefined || flags.password !== undefined || flags.passwordStdin
      ? "-u/-p"
      : process.env["TOCI_USERNAME"] && process.env["TOCI_PASSWORD"] !== undefined
        ? "TOCI_USERNAME/TOCI_PASSWORD"
        : undefined;
  if (!given) return;
  throw new UsageError(
    `${given} cannot serve two registries (${hosts.src} and ${hosts.dst}): give each side its own with ` +
      "--from-username/--from-password and --to-username/--to-password",
  );
}

/** The default layout (the README's `--store DIR` default). */
export const DEFAULT_STORE = "./toci-store";

/** Consumes a transfer's events into the view; resolves the root its last event names, or throws its OciError. */
export async function drive(view: TransferView, events: AsyncIterable<TransferEvent>): Promise<Descriptor> {
  let failure: OciError | undefined;
  let root: Descriptor | undefined;
  try {
    for await (const event of events) {
      if (event.type === "failed") failure = event.error;
      else {
        view.event(event);
        root = event.root ?? root;
      }
    }
  } finally {
    view.stop();
  }
  if (failure) throw failure;
  if (!root) throw new OciError("PROTOCOL", "the transfer ended without naming its root");
  return root;
}

/** What a transfer's summary says: `<verb> <what>`, the root, and the JSON document's other fields. */
interface Summary {
  verb: string;
  what: string;
  root: Descriptor;
  extra: Record<string, unknown>;
}

function summary(out: Output, view: TransferView, { verb, what, root, extra }: Summary): void {
  const size = view.totalBytes;
  const moved = view.transferredBytes;
  const time = view.elapsed;
  // What crossed the network, next to the size: a rerun after an interruption, or a pull of what is mostly
  // there already, shows how little it had left to do (docker's "Already exists", oras's "Skipped").
  out.result(
    {
      ...extra,
      digest: root.digest,
      mediaType: root.mediaType,
      size: root.size,
      bytes: size,
      transferred: moved,
      seconds: time / 1000,
    },
    out.tty
      ? [
          `✓ ${verb} ${what}`,
          `  digest  ${root.digest}`,
          `  size    ${formatBytes(size)} (${size} bytes)`,
          `  moved   ${formatBytes(moved)}${moved < size ? ` (${formatBytes(size - moved)} already there)` : ""}`,
          `  time    ${formatDuration(time)}`,
        ]
      : [`${verb} ${what} ${root.digest} ${size} bytes (${moved} transferred) ${formatDuration(time)}`],
  );
}

export async function pull(run: Run, refText: string, flags: PullFlags): Promise<void> {
  const { out } = run;
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const dir = resolvePath(flags.store ?? DEFAULT_STORE);
  const session = await openSession(out, flags, { dir });
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const view = await TransferView.open(out, "pull");
    let root: Descriptor | undefined;
    if (ref.digest) {
      // By digest: the descriptor first (narrowed to the platform), then the pull; a tag given too names it.
      root = await session.strict(repo).resolve(ref.digest, { platform: wanted, signal: run.signal });
      await drive(view, repo.pull(root, { signal: run.signal, onBlob: view.onBlob }));
      if (ref.tag) await session.client.store.tag(root, `${ref.name}:${ref.tag}`);
    } else {
      await drive(view, repo.pull(ref.tag!, { platform: wanted, signal: run.signal, onBlob: view.onBlob }));
      root = await session.client.store.resolve(`${repo.reference}:${ref.tag}`);
      if (!root)
        throw new OciError("STORE", `the layout has no root named ${repo.reference}:${ref.tag} after the pull`);
    }
    summary(out, view, {
      verb: "pulled",
      what: `${ref}${wanted ? ` (${wanted})` : ""} into ${flags.store ?? DEFAULT_STORE}`,
      root,
      extra: { reference: ref.toString(), platform: wanted ?? null, store: dir },
    });
  } finally {
    await session.close();
  }
}

/** Fails unless `dir` holds an OCI layout (so a typo does not silently create an empty one). */
export async function requireLayout(dir: string): Promise<void> {
  if (!(await hasLayout(dir))) {
    throw new OciError("NOT_FOUND", `no OCI layout at ${dir} (pass --store DIR, or pull something into it first)`);
  }
}

export async function push(run: Run, refText: string, flags: PushFlags): Promise<void> {
  const { out } = run;
  const ref = reference(refText);
  const dir = resolvePath(flags.store ?? DEFAULT_STORE);
  await requireLayout(dir);
  const session = await openSession(out, flags, { dir });
  try {
    const store = session.client.store;
    const from = flags.from ?? ref.digest ?? ref.tag!;
    let root: Descriptor | undefined;
    if (flags.from === undefined && !ref.digest) root = await store.resolve(`${ref.name}:${ref.tag}`);
    // A short tag two repositories share in the layout is refused, with their full references listed.
    root ??= await layoutRoot(store, from, { dir, flag: "--from" });
    if (!root) {
      throw new OciError("NOT_FOUND", `nothing named ${JSON.stringify(from)} in the layout ${dir}`, {
        detail: { hint: "toci layout ls lists what it holds" },
      });
    }
    if (ref.digest && root.digest !== ref.digest) {
      throw new UsageError(`--from ${from} is ${root.digest}, not the reference's digest ${ref.digest}`);
    }
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const view = await TransferView.open(out, "push");
    const tag = ref.tag;
    await drive(view, repo.push(root, { tag, signal: run.signal, onBlob: view.onBlob }));
    const target = tag ? `${repo.reference}:${tag}` : `${repo.reference}@${root.digest}`;
    summary(out, view, { verb: "pushed", what: target, root, extra: { reference: target, store: dir } });
  } finally {
    await session.close();
  }
}

export async function copy(run: Run, srcText: string, dstText: string, flags: CopyFlags): Promise<void> {
  const { out } = run;
  const src = reference(srcText);
  const dst = reference(dstText, { defaultTag: false });
  const wanted = platform(flags.platform);
  const fromCredentials = sideCredentials(flags.fromUsername, flags.fromPassword, "from");
  const toCredentials = sideCredentials(flags.toUsername, flags.toPassword, "to");
  refuseSharedCredentials({ src: src.registry, dst: dst.registry }, flags, {
    from: fromCredentials,
    to: toCredentials,
  });
  const session = await openSession(out, flags, "memory");
  try {
    const srcRepo = (await session.registry(src.registry, undefined, fromCredentials)).repo(src.repository);
    const dstRepo = (await session.registry(dst.registry, undefined, toCredentials)).repo(dst.repository);
    const root = await session
      .strict(srcRepo)
      .resolve(src.digest ?? src.tag!, { platform: wanted, signal: run.signal });
    const tag = dst.tag ?? (dst.digest ? undefined : src.tag);
    if (dst.digest && dst.digest !== root.digest) {
      throw new UsageError(`the destination digest ${dst.digest} is not the source's ${root.digest}`);
    }
    const view = await TransferView.open(out, "copy");
    await drive(view, session.client.copy(srcRepo, root, dstRepo, { tag, signal: run.signal, onBlob: view.onBlob }));
    const target = tag ? `${dstRepo.reference}:${tag}` : `${dstRepo.reference}@${root.digest}`;
    summary(out, view, {
      verb: "copied",
      what: `${src} → ${target}`,
      root,
      extra: { source: src.toString(), reference: target, platform: wanted ?? null },
    });
  } finally {
    await session.close();
  }
}
