// Read-only commands: tags, catalog, resolve, manifest, blob, referrers (inspect and config: image.ts).
import { openSession, platform, type RegistryFlags, reference, registryName } from "../context.js";
import { UsageError } from "../errors.js";
import { fetchManifest } from "../image-read.js";
import { writeDocument } from "../printable.js";
import type { Run } from "../run.js";
import { STDOUT, writeContent } from "./content-out.js";

export interface PlatformFlags extends RegistryFlags {
  platform?: string;
}

export interface TagsFlags extends RegistryFlags {
  excludeDigestTags?: boolean;
}

/**
 * A tag that is a digest in disguise: `<alg>-<hex>`, the referrers fallback tag of the distribution spec ("Referrers
 * Tag Schema": the algorithm, then the hex truncated to 64 characters). `--exclude-digest-tags` hides them, as oras does.
 */
const DIGEST_TAG = /^(sha256|sha512)-[0-9a-f]{64}$/;

export async function tags(run: Run, repoText: string, flags: TagsFlags): Promise<void> {
  const ref = reference(repoText, { repoOnly: true });
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const all = await session.strict(repo).tags({ signal: run.signal });
    const list = flags.excludeDigestTags ? all.filter((tag) => !DIGEST_TAG.test(tag)) : all;
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
    const names: string[] = [];
    for await (const page of session.strict(registry).catalog({ signal: run.signal })) {
      for (const repo of page) {
        names.push(repo.name);
        run.out.line(repo.name);
      }
    }
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
    const descriptor = await session
      .strict(repo)
      .resolve(ref.digest ?? ref.tag!, { platform: wanted, signal: run.signal });
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
    const repo = session.strict((await session.registry(ref.registry)).repo(ref.repository));
    const { descriptor, bytes } = await fetchManifest(repo, ref.reference, { platform: wanted, signal: run.signal });
    if (run.out.json) {
      run.out.result(
        { reference: ref.toString(), descriptor, manifest: JSON.parse(new TextDecoder().decode(bytes)) },
        [],
      );
    } else {
      writeDocument(bytes);
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
  if (run.out.json && (!flags.output || flags.output === STDOUT))
    throw new UsageError("--json needs -o/--output FILE (the blob's bytes would mix with the JSON)");
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const strict = session.strict(repo);
    const descriptor = await strict.resolveBlob(ref.digest, { signal: run.signal });
    // Verified as it flows: a mismatch errors the stream before its end, so a file is renamed into place only whole.
    await strict.fetch(descriptor, (stream) => writeContent(stream, flags.output), { signal: run.signal });
    if (flags.output && flags.output !== STDOUT) {
      run.out.result({ reference: ref.toString(), ...descriptor, output: flags.output }, [
        `${descriptor.digest} ${descriptor.size} bytes → ${flags.output}`,
      ]);
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
    const strict = session.strict(repo);
    const subject = await strict.resolve(ref.digest ?? ref.tag!, { signal: run.signal });
    const list = await strict.referrers(subject, { artifactType: flags.artifactType, signal: run.signal });
    run.out.result(
      { reference: ref.toString(), subject, referrers: list },
      list.map((d) => `${d.digest} ${d.artifactType ?? d.mediaType}`),
    );
  } finally {
    await session.close();
  }
}
