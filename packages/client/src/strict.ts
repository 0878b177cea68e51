// @toci/client/strict: the throwing API, for tools that report failures themselves. `strict(repo)` and
// `strict(registry)` give the calls of Repository and Registry that answer a request, over the same core, where a
// failure rejects with its OciError instead of coming back as undefined, false or []. Every public name of this
// subpath is listed here.
import { type Registry, strictRegistryOf } from "./registry.js";
import { type Repository, repositoryHandles } from "./repository.js";
import type { StrictRegistry } from "./strict-registry.js";
import type { StrictRepository } from "./strict-repository.js";

export { StrictRegistry } from "./strict-registry.js";
export { StrictRepository } from "./strict-repository.js";

/**
 * The throwing face of a repository or a registry: the same calls, rejecting with an `OciError` (not logged) where
 * the plain ones resolve `undefined`, `false` or `[]`. Throws `INVALID_ARGUMENT` for anything else.
 *
 * ```ts
 * // strict comes from the subpath @toci/client/strict
 * try {
 *   const root = await strict(repo).resolve("latest");
 *   console.log(root.digest);
 * } catch (error) {
 *   if (isOciError(error)) console.error(error.code, error.status, error.message);
 * }
 * ```
 */
export function strict(repository: Repository): StrictRepository;
export function strict(registry: Registry): StrictRegistry;
export function strict(target: Repository | Registry): StrictRepository | StrictRegistry {
  return "catalog" in target ? strictRegistryOf(target) : repositoryHandles(target).strict;
}
