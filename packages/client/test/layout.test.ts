// The shape of client/src, enforced rather than promised (docs/architecture.md §5, §4 item 9): read along its
// imports, an operation goes downward and never comes back to a file it left (no import cycle at run time); the read
// path (pull, resolve, fetch, listing referrers, and the pull entry @toci/client/pull) imports no write module; and the limits on files, functions and
// positional parameters hold in every package's src/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const packagesDir = new URL("../../", import.meta.url).pathname;
const clientSrc = join(packagesDir, "client", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry) && !/\.(test|d)\.ts$/.test(entry) ? [path] : [];
  });
}

interface Edge {
  to: string;
  typeOnly: boolean;
}

/** The relative imports of a file: where they point, and whether they vanish at run time (`import type`). */
function imports(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: Edge[] = [];
  for (const statement of source.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) continue;
    const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
    const typeOnly = ts.isImportDeclaration(statement)
      ? clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly))
      : statement.isTypeOnly;
    out.push({ to: resolve(dirname(file), specifier.text.replace(/\.js$/, ".ts")), typeOnly });
  }
  return out;
}

const graph = new Map(sourceFiles(clientSrc).map((file) => [file, imports(file)]));
const rel = (file: string) => relative(clientSrc, file);

/** Every file reachable from `start` (type imports included: a reader follows them too). */
function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const edge of graph.get(file) ?? []) visit(edge.to);
  };
  visit(start);
  return seen;
}

/** A cycle of run-time imports, as file names, or undefined. */
function findCycle(): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file].map(rel);
    state.set(file, "open");
    stack.push(file);
    for (const edge of graph.get(file) ?? []) {
      if (edge.typeOnly) continue;
      const cycle = visit(edge.to);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("client/src reads downward", () => {
  it("has no import cycle at run time", () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(findCycle()).toBeUndefined();
  });

  it("the read path imports no write module", () => {
    const writes =
      /^(internal\/(push\/|manifest-write\.ts$|write-requests\.ts$|referrers-upkeep\.ts$|copy\.ts$)|(client|registry|repository|strict-repository)\.ts$)/;
    for (const reader of [
      "internal/pull/pull.ts",
      "internal/remote.ts",
      "internal/lists.ts",
      "internal/verified-fetch.ts",
      "internal/referrers.ts",
      // What a pulling app ships: the entry reaches no write module, nor the full classes that hold them.
      "pull.ts",
    ]) {
      const reached = [...closure(join(clientSrc, reader))].map(rel);
      expect(
        reached.filter((file) => writes.test(file)),
        reader,
      ).toEqual([]);
    }
    // The check sees the write modules where they are imported (it cannot pass vacuously).
    expect([...closure(join(clientSrc, "repository.ts"))].map(rel)).toContain("internal/manifest-write.ts");
    expect([...closure(join(clientSrc, "index.ts"))].map(rel)).toContain("internal/write-requests.ts");
  });

  it("pull, push and copy share one graph walk", () => {
    for (const user of ["internal/pull/pull.ts", "internal/push/push-tree.ts", "internal/copy.ts"]) {
      expect(graph.get(join(clientSrc, user))!.map((e) => rel(e.to))).toContain("internal/graph.ts");
    }
  });
});

describe("limits", () => {
  // Every package's src/, test infrastructure (testkit) included.
  const files = readdirSync(packagesDir)
    .map((name) => join(packagesDir, name, "src"))
    .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    .flatMap(sourceFiles);

  it("no source file over 400 lines, no function over 80, none with more than 4 positional parameters", () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      if (lines > 400) offenders.push(`${relative(packagesDir, file)}: ${lines} lines`);
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const at = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
          const length = at(node.end) - at(node.getStart()) + 1;
          const where = `${relative(packagesDir, file)}:${at(node.getStart()) + 1}`;
          if (length > 80) offenders.push(`${where}: a function of ${length} lines`);
          if (node.parameters.length > 4) offenders.push(`${where}: ${node.parameters.length} parameters`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offenders).toEqual([]);
    expect(files.length).toBeGreaterThan(200);
  });
});
