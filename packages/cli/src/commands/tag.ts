// toci tag: new tags for what a reference names, on the registry, without pulling it (`crane tag`, `oras tag`): the
// manifest is read once (GET) and put again under each tag (PUT), several tags in one request where the registry
// takes `?tag=`. Its blobs never move.
import { isTag } from "@toci/spec-types";
import { openSession, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import type { Run } from "../run.js";

export async function tag(run: Run, refText: string, tags: string[], flags: RegistryFlags): Promise<void> {
  const ref = reference(refText);
  const bad = tags.filter((t) => !isTag(t));
  if (bad.length > 0) {
    throw new UsageError(
      `invalid tag ${JSON.stringify(bad[0])}: a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (the other arguments are tags, not references)`,
    );
  }
  const wanted = [...new Set(tags)];
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const strict = session.strict(repo);
    const descriptor = await strict.resolve(ref.reference, { signal: run.signal });
    await strict.tag(descriptor, wanted, { signal: run.signal });
    const references = wanted.map((t) => `${repo.reference}:${t}`);
    run.out.result(
      {
        reference: ref.toString(),
        digest: descriptor.digest,
        mediaType: descriptor.mediaType,
        size: descriptor.size,
        tagged: references,
      },
      references.map((r) => `${r} ${descriptor.digest}`),
    );
  } finally {
    await session.close();
  }
}
