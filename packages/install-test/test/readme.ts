// What the tests read in a README: its links (which must work on the npm package page, where relative links
// break), the repository files it cites (which must be in the tarball, or linked on GitHub), and its code blocks.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { BRANCH, REPOSITORY, repoRoot } from "./workspace.js";

const FENCE = /^```[^\n]*\n[\s\S]*?^```/gm;
const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm;

/** The README without its fenced code blocks: links and paths in code are not links. */
function prose(markdown: string): string {
  return markdown.replace(FENCE, "");
}

/** Every link and image target of the README's prose. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  return [...text.matchAll(INLINE_LINK), ...text.matchAll(DEFINITION)].map((m) => m[1]!);
}

/**
 * Why a link would not work on the package's npm page: relative targets resolve against npmjs.com there; links
 * into the repository must name the main branch and a path that exists.
 */
export function linkProblem(target: string): string | undefined {
  if (target.startsWith("#")) return undefined;
  if (!/^https?:\/\//.test(target)) return `relative link ${target} (use an absolute ${REPOSITORY}/… URL)`;
  if (!target.startsWith(`${REPOSITORY}/`)) return undefined;
  const rest = target.slice(REPOSITORY.length + 1).replace(/[#?].*$/, "");
  if (rest === "" || rest === "issues") return undefined;
  const inTree = new RegExp(`^(?:blob|tree)/${BRANCH}/(.+)$`).exec(rest);
  if (!inTree) return `${target} is not a ${BRANCH}-branch file or folder of the repository`;
  if (!existsSync(join(repoRoot, decodeURIComponent(inTree[1]!)))) return `${target} names no file in the repository`;
  return undefined;
}

/** A relative path with a slash and an extension ("test/readme.test.ts"), not part of a URL or an absolute path. */
const PATH_TOKEN = /(?<![\w./~$:@-])((?:[\w@.-]+\/)+[\w@.-]+\.[A-Za-z]{1,5})(?![\w/])/g;

/**
 * The files of the package a README names outside links: paths that exist in the package's folder, and
 * `packages/<dir>/…` paths from the repository root. Each must be in the tarball, or be linked instead.
 */
export function citedPackageFiles(markdown: string, dir: string): string[] {
  const text = prose(markdown).replace(INLINE_LINK, "");
  const cited = new Set<string>();
  for (const m of text.matchAll(PATH_TOKEN)) {
    const token = m[1]!;
    const own = `packages/${dir}/`;
    if (token.startsWith(own)) cited.add(token.slice(own.length));
    else if (existsSync(join(repoRoot, "packages", dir, token))) cited.add(token);
  }
  return [...cited].sort();
}

/** The file a block says it is, from its first line: `// app.mjs`, `// app.ts: …`. */
function fileNameOf(code: string): string | undefined {
  return /^\/\/ ([\w.-]+\.(?:mjs|js|ts|mts))\b/.exec(code)?.[1];
}

export interface CodeBlock {
  /** The fence's language ("js", "ts"). */
  lang: string;
  /** The file the block says it is, from a first line `// app.mjs…`; the tests run blocks that name one. */
  file: string | undefined;
  code: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1]!,
    file: fileNameOf(m[2]!),
    code: m[2]!,
  }));
}

/**
 * The files a VitePress page includes as code (`<<< @/snippets/quick-start.mjs{js}`), as code blocks: `@/` is the
 * docs root. Their first line names the file the same way.
 */
export async function includedBlocks(markdown: string, docsRoot: string): Promise<CodeBlock[]> {
  const blocks: CodeBlock[] = [];
  for (const m of markdown.matchAll(/^<<< @\/([^#{\s]+)(?:#[\w-]+)?(?:\{(\w+)\})?/gm)) {
    const code = await readFile(join(docsRoot, m[1]!), "utf8");
    blocks.push({ lang: m[2] ?? extname(m[1]!).slice(1), file: fileNameOf(code), code });
  }
  return blocks;
}
