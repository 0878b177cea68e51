// Naming a root of the layout from the command line. The layout keeps the tag alone as the name other tools read
// (`org.opencontainers.image.ref.name`), so two repositories pulled with the same tag (`latest`) give two roots with
// one short name: a tag that names different content in the layout is refused, with the full references listed,
// instead of taking whichever comes first (docs/architecture.md §7 on the two annotations).
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
  isTag,
  type ReadOnlyStore,
} from "@toci/spec-types";
import { UsageError } from "./errors.js";

/** How the command tells the user to name one root (`--from <full reference>`, or a full reference). */
export interface RootNaming {
  /** The layout's directory, for the message. */
  dir: string;
  /** The flag that takes the name, when it is a flag. */
  flag?: string;
}

/** The name a root shows in a list: its full reference, else its tag, then its digest. */
function shown(root: Descriptor): string {
  const name = root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? root.annotations?.[ANNOTATION_REF_NAME];
  return name ? `${name} (${root.digest})` : root.digest;
}

/**
 * Throws a usage error when `name` is a tag that names roots of different content in the layout, listing them by
 * full reference; a digest, a full reference, or a tag of one content pass.
 */
export async function refuseAmbiguousTag(store: ReadOnlyStore, name: string, naming: RootNaming): Promise<void> {
  if (!isTag(name)) return;
  const roots = (await store.list()).filter((root) => root.annotations?.[ANNOTATION_REF_NAME] === name);
  if (new Set(roots.map((root) => root.digest)).size < 2) return;
  const how = naming.flag ? `pass one of them to ${naming.flag}` : "name one of them by its full reference";
  throw new UsageError(
    `"${name}" is the tag of ${roots.length} different roots in ${naming.dir}: ${roots.map(shown).join(", ")}; ${how}`,
  );
}

/** The root `name` names in the layout (tag, full reference or digest), refusing an ambiguous tag. */
export async function layoutRoot(
  store: ReadOnlyStore,
  name: string,
  naming: RootNaming,
): Promise<Descriptor | undefined> {
  await refuseAmbiguousTag(store, name, naming);
  return store.resolve(name);
}
