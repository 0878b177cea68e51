// The checks of what a caller passes in, made once at the entry of each operation: INVALID_ARGUMENT at once.
import { type Descriptor, isDigest, isTag, OciError } from "@toci/spec-types";

/** Throws unless the descriptor has a valid digest and a non-negative integer size. */
export function checkDescriptor(descriptor: Descriptor): void {
  if (!descriptor || !isDigest(descriptor.digest) || !Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new OciError("INVALID_ARGUMENT", "a descriptor needs a valid digest and a non-negative integer size");
  }
}

/** Throws unless `tag` is a tag (when given). */
export function checkTag(tag: string | undefined): void {
  if (tag !== undefined && !isTag(tag)) throw new OciError("INVALID_ARGUMENT", `invalid tag ${JSON.stringify(tag)}`);
}

/** Whether a value looks like a descriptor (rather than bytes or a manifest object). */
export function isDescriptorLike(value: unknown): value is Descriptor {
  const v = value as Partial<Descriptor>;
  return typeof v?.digest === "string" && typeof v.size === "number" && typeof v.mediaType === "string";
}
