// What archives call images: a tag (`v1`), a full reference (`registry.example/app:v1`), or a docker name
// (`busybox:latest`, which docker save writes in RepoTags and means `docker.io/library/busybox:latest`).
import { OciError, parseReference, parseRootName, type RootName } from "@toci/spec-types";

/** A name as a store root's name: docker's short names get docker's registry (docker.io, library/). */
export function rootName(name: string): RootName {
  try {
    return parseRootName(name);
  } catch {
    try {
      return parseRootName(parseReference(name).toString());
    } catch (cause) {
      throw new OciError("INVALID_ARGUMENT", `${JSON.stringify(name.slice(0, 200))} is not an image name`, { cause });
    }
  }
}

/** The string to tag a store root with for a name (see {@link rootName}). */
export function tagOf(name: RootName): string {
  return name.full ?? name.tag;
}
