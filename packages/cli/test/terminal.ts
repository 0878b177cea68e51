// `toci` in a real pseudo-terminal (util-linux script(1)): stdout and stderr are a terminal, as a user's are.
import { spawn } from "node:child_process";
import { BIN, tempDir } from "./helpers.js";

/** What the terminal received: as bytes (the line discipline turns each `\n` into `\r\n`) and as text. */
export interface Screen {
  code: number | null;
  bytes: Buffer;
  screen: string;
}

/** Runs `toci ...args` in a pseudo-terminal, resolving what the terminal showed. */
export function tociInTerminal(args: string[]): Promise<Screen> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
      env: { ...process.env, DOCKER_CONFIG: tempDir("toci-cli-dc-"), NO_COLOR: "1", COLUMNS: "160" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      const bytes = Buffer.concat(chunks);
      resolve({ code, bytes, screen: bytes.toString("utf8") });
    });
    child.stdin.end();
  });
}
