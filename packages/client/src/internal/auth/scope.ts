// Token scopes (distribution token spec, "Token Scope Documentation"): `resourcetype:resourcename:action[,action]`,
// e.g. `repository:library/ubuntu:pull,push` and `registry:catalog:*`. Scopes of one resource are merged into one
// string, because some registries honour only one scope parameter per resource (regclient#892).

export const PULL = "pull";
export const PUSH = "push";
export const DELETE = "delete";
/** What listing the catalog needs (distribution: `registry:catalog:*`). */
export const CATALOG_SCOPE = "registry:catalog:*";

/** The scope for actions on a repository. */
export function repositoryScope(repository: string, ...actions: string[]): string {
  return `repository:${repository}:${normalizeActions(actions).join(",")}`;
}

/** Merges scopes: one entry per resource with the union of its actions (`*` absorbs the rest), sorted. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const scope of scopes) {
    const parsed = splitScope(scope);
    if (!parsed) {
      if (scope.trim()) opaque.add(scope.trim());
      continue;
    }
    const set = byResource.get(parsed.resource) ?? new Set<string>();
    for (const a of parsed.actions) set.add(a);
    byResource.set(parsed.resource, set);
  }
  const out = [...opaque];
  for (const [resource, actions] of byResource) {
    const list = normalizeActions([...actions]);
    if (list.length) out.push(`${resource}:${list.join(",")}`);
  }
  return out.sort();
}

/** Whether a token granted for `have` is good for `need` (every needed action of every resource is in `have`). */
export function scopesCover(have: readonly string[], need: readonly string[]): boolean {
  const granted = new Map<string, Set<string>>();
  for (const scope of have) {
    const parsed = splitScope(scope);
    if (parsed) granted.set(parsed.resource, new Set(parsed.actions));
    else granted.set(scope, new Set());
  }
  return need.every((scope) => {
    const parsed = splitScope(scope);
    if (!parsed) return granted.has(scope);
    const actions = granted.get(parsed.resource);
    return !!actions && (actions.has("*") || parsed.actions.every((a) => actions.has(a)));
  });
}

/** `type:name:actions` → resource `type:name` and its actions; the name may contain ':' (a host with a port). */
function splitScope(scope: string): { resource: string; actions: string[] } | undefined {
  const last = scope.lastIndexOf(":");
  const first = scope.indexOf(":");
  if (first === -1 || last === first) return undefined;
  return { resource: scope.slice(0, last), actions: normalizeActions(scope.slice(last + 1).split(",")) };
}

function normalizeActions(actions: string[]): string[] {
  const set = new Set(actions.map((a) => a.trim()).filter(Boolean));
  if (set.has("*")) return ["*"];
  return [...set].sort();
}
