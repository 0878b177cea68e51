// Whiteouts (image-spec layer.md "Whiteouts"): `.wh.<name>` deletes <name> of the layers below, `.wh..wh..opq`
// hides everything the layers below put in its directory. Other `.wh..wh.` names are AUFS metadata, ignored as
// docker ignores them. A whiteout applies to the layers below only, never to entries of its own layer.
import { parentOf } from "./clean-path.js";
import { invalid } from "./errors.js";

const PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** What a whiteout entry means: a deleted path, an opaque directory, or AUFS metadata to skip. */
export type Whiteout = { deleted: string } | { opaque: string } | { skip: true };

/** The whiteout a cleaned path names, or undefined for an ordinary entry. */
export function whiteoutOf(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (!base.startsWith(PREFIX)) return undefined;
  const dir = parentOf(path);
  if (base === OPAQUE) return { opaque: dir };
  if (base.startsWith(`${PREFIX}${PREFIX}`)) return { skip: true };
  const name = base.slice(PREFIX.length);
  if (name === "" || name === "." || name === "..") throw invalid(`whiteout ${JSON.stringify(path)} names nothing`);
  return { deleted: dir ? `${dir}/${name}` : name };
}
