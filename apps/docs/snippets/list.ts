// Listing, as shown in guide/list.md.
import type { Descriptor, Registry, Repository } from "./support.js";

export async function catalog(registry: Registry): Promise<string[]> {
  // #region catalog
  const names: string[] = [];
  for await (const page of registry.catalog({ n: 100 })) {
    for (const repo of page) names.push(repo.name); // each is a Repository, ready to use
  }
  // #endregion catalog
  return names;
}

export async function tags(repo: Repository): Promise<{ tags: string[]; exists: boolean; manifest?: Descriptor }> {
  // #region tags
  const tags = await repo.tags(); // every page; [] when there are none, or on failure (logged)
  const manifest = await repo.resolve(tags[0] ?? "latest"); // HEAD, falling back to GET
  const exists = manifest ? await repo.exists(manifest) : false;
  // #endregion tags
  return { tags, exists, manifest };
}
