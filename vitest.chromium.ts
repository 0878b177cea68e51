// The browser half of a package's vitest config: Debian's /usr/bin/chromium driven by Playwright (never a
// downloaded browser), headless, with the flags that matter here (--disable-gpu, --disable-quic).
import { playwright } from "@vitest/browser-playwright";
import type { BrowserCommand } from "vitest/node";

/** Options of {@link chromium}. */
export interface ChromiumOptions {
  /** Extra command-line flags. @default [] */
  args?: string[];
  /** The page server's host and port (vitest's `browser.api`). @default vitest's */
  api?: { host: string; port: number; strictPort: boolean };
  /** Commands the tests call in Node (vitest's `browser.commands`). @default none */
  commands?: Record<string, BrowserCommand<[]>>;
}

/** A `test.browser` config for one headless Chromium instance. */
export function chromium(options: ChromiumOptions = {}) {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    ...(options.api ? { api: options.api } : {}),
    provider: playwright({
      launchOptions: {
        executablePath: "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", ...(options.args ?? [])],
      },
    }),
    instances: [{ browser: "chromium" as const }],
    ...(options.commands ? { commands: options.commands } : {}),
  };
}
