// Read-only commands: tags, catalog, resolve, manifest, blob, referrers.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Writable } from "node:stream";
import { type Descriptor, OciError, readAll } from "@toci/spec-types";
import { openSession, platform, type RegistryFlags, reference, registryName } from "../context.js";
import { UsageError } from "../errors.js";
import type { Run } from "../run.js";
import { orFail } from "./transfer.js";

export interface PlatformFlags extends RegistryFlags {
  platform?: string;
}

export async function tags(run: Run, repoText: string, flags: RegistryFlags): Promise<void> {
  const ref = reference(repoText, { repoOnly: true });
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    session.logger.reset();
    const list = await repo.tags({ signal: run.signal });
    if (list.length === 0 && session.logger.last) throw session.logger.last;
    run.out.result({ repository: repo.reference, tags: list }, list);
  } finally {
    await session.close();
  }
}

export async function catalog(run: Run, registryText: string, flags: RegistryFlags): Promise<void> {
  const { host, scheme } = registryName(registryText);
  const session = await openSession(run.out, flags, "memory");
  try {
    const registry = await session.registry(host, scheme);
    session.logger.reset();
    const names: string[] = [];
    for await (const page of registry.catalog({ signal: run.signal })) {
      for (const repo of page) {
        names.push(repo.name);
        run.out.line(repo.name);
      }
    }
    if (session.logger.last) throw session.logger.last;
    if (run.out.json) run.out.result({ registry: registry.name, repositories: names }, []);
  } finally {
    await session.close();
  }
}

export async function resolve(run: Run, refText: string, flags: PlatformFlags): Promise<void> {
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    session.logger.reset();
    const descriptor = orFail(
      session,
      await repo.resolve(ref.digest ?? ref.tag!, { platform: wanted, signal: run.signal }),
      "resolve",
    );
    run.out.result({ reference: ref.toString(), ...descriptor }, [descriptor.digest]);
  } finally {
    await session.close();
  }
}

export async function manifest(run: Run, refText: string, flags: PlatformFlags): Promise<void> {
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    session.logger.reset();
    const descriptor = orFail(
      session,
      await repo.resolve(ref.digest ?? ref.tag!, { platform: wanted, signal: run.signal }),
      "resolve",
    );
    const bytes = orFail(
      session,
      await repo.fetch(descriptor, (stream) => readAll(stream, descriptor.size), { signal: run.signal }),
      "fetch",
    );
    if (run.out.json) {
      run.out.result(
        { reference: ref.toString(), descriptor, manifest: JSON.parse(new TextDecoder().decode(bytes)) },
        [],
      );
    } else {
      // The exact bytes the registry serves (their digest is the manifest's), as crane and oras print them.
      process.stdout.write(bytes);
      if (process.stdout.isTTY) process.stdout.write("\n");
    }
  } finally {
    await session.close();
  }
}

export interface BlobFlags extends RegistryFlags {
  output?: string;
}

export async function blob(run: Run, refText: string, flags: BlobFlags): Promise<void> {
  const ref = reference(refText, { defaultTag: false });
  if (!ref.digest) throw new UsageError(`toci blob needs a reference with a digest (repo@sha256:…), got ${refText}`);
  if (run.out.json && !flags.output)
    throw new UsageError("--json needs -o/--output FILE (the blob's bytes would mix with the JSON)");
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    session.logger.reset();
    const descriptor: Descriptor = orFail(
      session,
      await repo.resolveBlob(ref.digest, { signal: run.signal }),
      "resolve",
    );
    if (flags.output) {
      const temp = `${flags.output}.toci-partial`;
      const ok = await repo.fetch(
        descriptor,
        async (stream) => {
          await stream.pipeTo(Writable.toWeb(createWriteStream(temp)) as WritableStream<Uint8Array>);
          return true;
        },
        { signal: run.signal },
      );
      if (!ok) {
        await rm(temp, { force: true });
        throw session.logger.last ?? new OciError("BLOB_UNKNOWN", "the blob could not be fetched");
      }
      await rename(temp, flags.output);
      run.out.result({ reference: ref.toString(), ...descriptor, output: flags.output }, [
        `${descriptor.digest} ${descriptor.size} bytes → ${flags.output}`,
      ]);
    } else {
      // Straight to stdout; the client verifies as it flows and the call fails on a mismatch.
      const ok = await repo.fetch(
        descriptor,
        async (stream) => {
          await stream.pipeTo(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>, { preventClose: true });
          return true;
        },
        { signal: run.signal },
      );
      if (!ok) throw session.logger.last ?? new OciError("BLOB_UNKNOWN", "the blob could not be fetched");
    }
  } finally {
    await session.close();
  }
}

export interface ReferrersFlags extends RegistryFlags {
  artifactType?: string;
}

export async function referrers(run: Run, refText: string, flags: ReferrersFlags): Promise<void> {
  const ref = reference(refText);
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    session.logger.reset();
    const subject = orFail(session, await repo.resolve(ref.digest ?? ref.tag!, { signal: run.signal }), "resolve");
    session.logger.reset();
    const list = await repo.referrers(subject, { artifactType: flags.artifactType, signal: run.signal });
    if (list.length === 0 && session.logger.last) throw session.logger.last;
    run.out.result(
      { reference: ref.toString(), subject, referrers: list },
      list.map((d) => `${d.digest} ${d.artifactType ?? d.mediaType}`),
    );
  } finally {
    await session.close();
  }
}
