// A built page run in Debian's Chromium (/usr/bin/chromium through playwright-core; no browser is downloaded), as a
// user opens it: served over http://127.0.0.1 (a secure context, which OPFS needs), every console line and every
// uncaught error collected, until the page says its entry module finished.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};
/** The global an entry sets once the module it imports has finished, top-level awaits included. */
export const DONE = "tociQuickStartDone";
/**
 * How long a page may take to finish: a guard against a hang, not a measure (the README pulls fail on their first
 * request, whose name does not resolve, and the fetch transport's retries end within seconds).
 */
const FINISH_GUARD_MS = 60_000;

export interface PageRun {
  /** `type: text` of every console message of the page and its workers. */
  console: string[];
  /** Uncaught exceptions and unhandled rejections. */
  errors: string[];
}

/** Serves `dist` (a vite build) on a free loopback port, opens it in Chromium and waits for {@link DONE}. */
export async function runInChromium(dist: string): Promise<PageRun> {
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? "/", "http://x").pathname).replace(/\/$/, "/index.html");
    const file = join(dist, path);
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const run: PageRun = { console: [], errors: [] };
  try {
    const page = await browser.newPage();
    page.on("console", (m) => run.console.push(`${m.type()}: ${m.text()}`));
    page.on("worker", (w) => w.on("console", (m) => run.console.push(`${m.type()}: ${m.text()}`)));
    // An uncaught error ends the wait too: the entry then never finishes.
    const failed = new Promise<void>((resolve) =>
      page.on("pageerror", (e) => {
        run.errors.push(e.message);
        resolve();
      }),
    );
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await Promise.race([
      page.waitForFunction(`globalThis.${DONE} === true`, undefined, { timeout: FINISH_GUARD_MS }),
      failed,
    ]);
    return run;
  } catch (error) {
    throw new Error(`${String(error)}\nconsole:\n${run.console.join("\n")}\nerrors:\n${run.errors.join("\n")}`);
  } finally {
    await browser.close();
    server.close();
  }
}
