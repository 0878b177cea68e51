// `toci cat` and `toci blob` on a terminal (script(1)'s pseudo-terminal): content comes from a stranger, and a
// terminal acts on what it is sent. As curl does, binary content (a NUL byte) is refused unless `-o -` asks for it;
// text is shown with its control characters escaped; a pipe or `-o FILE` gets the bytes as they are.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gnuTar, imageOfLayers } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { pushed } from "./content-fixtures.js";
import { tempDir, tociBytes } from "./helpers.js";
import { tociInTerminal } from "./terminal.js";

/** 3000 bytes, a NUL first (as ELF, tar, gzip have near their start), every byte value present. */
const binary = new Uint8Array(3000).map((_, i) => (i * 31) & 0xff);
const osRelease = 'NAME="toci"\nID=toci\n';
/** OSC 52 (writes the clipboard) and an erase-line: what a hostile image's text file may hold. */
const motd = "hello\u001b]52;c;aGk=\u0007 world\u001b[2K\n";
const REFUSED = "not writing binary content to a terminal";

/** What a terminal shows of bytes written to it: its line discipline turns each LF into CR LF. */
const onScreen = (bytes: Uint8Array) =>
  Buffer.from(Buffer.from(bytes).toString("latin1").replaceAll("\n", "\r\n"), "latin1");

describe("content on a terminal", () => {
  const image = imageOfLayers([gnuTar({ "etc/os-release": osRelease, "etc/motd": motd, "bin/app": binary })], {
    gzip: true,
  });
  const config = image.blobs.find((b) => b.descriptor.mediaType.endsWith("config.v1+json"))!;
  const layer = image.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!;
  let ref: string;
  let repo: string;
  beforeAll(async () => {
    ref = await pushed(image, "cli/terminal");
    repo = ref.replace(/:v1$/, "");
  });

  it("cat shows a text file", async () => {
    const { code, screen } = await tociInTerminal(["cat", ref, "/etc/os-release"]);
    expect(code, screen).toBe(0);
    expect(screen).toContain('NAME="toci"\r\nID=toci\r\n');
  });

  it("cat shows a text file's control characters escaped, never raw", async () => {
    const { code, screen } = await tociInTerminal(["cat", ref, "/etc/motd"]);
    expect(code, screen).toBe(0);
    expect(screen).toContain("hello\\x1b]52;c;aGk=\\x07 world\\x1b[2K\r\n");
    expect(screen).not.toContain("\u001b]52");
  });

  it("cat refuses a binary file (exit 2, nothing of it shown) and says how to get it", async () => {
    const { code, bytes, screen } = await tociInTerminal(["cat", ref, "/bin/app"]);
    expect(code, screen).toBe(2);
    expect(screen).toContain(REFUSED);
    expect(screen).toContain("-o -");
    expect(bytes.includes(onScreen(binary.subarray(1, 64)))).toBe(false);
  });

  it("cat -o - writes a binary file to the terminal as it is", async () => {
    const { code, bytes, screen } = await tociInTerminal(["cat", ref, "/bin/app", "-o", "-"]);
    expect(code, screen).toBe(0);
    expect(bytes.includes(onScreen(binary))).toBe(true);
    expect(screen).not.toContain(REFUSED);
  });

  it("cat -o FILE writes the file's exact bytes; a pipe gets them too", async () => {
    const out = join(tempDir("toci-cli-cat-o-"), "app");
    const { code, screen } = await tociInTerminal(["cat", ref, "/bin/app", "-o", out]);
    expect(code, screen).toBe(0);
    expect(new Uint8Array(readFileSync(out))).toEqual(binary);
    const piped = await tociBytes(["cat", ref, "/bin/app"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(new Uint8Array(piped.stdout)).toEqual(binary);
  });

  it("blob shows a JSON config on a terminal, refuses a gzip layer, and writes it with -o -", async () => {
    const json = await tociInTerminal(["blob", `${repo}@${config.descriptor.digest}`]);
    expect(json.code, json.screen).toBe(0);
    expect(json.screen).toContain('"architecture"');
    const gz = await tociInTerminal(["blob", `${repo}@${layer.descriptor.digest}`]);
    expect(gz.code, gz.screen).toBe(2);
    expect(gz.screen).toContain(REFUSED);
    const forced = await tociInTerminal(["blob", `${repo}@${layer.descriptor.digest}`, "-o", "-"]);
    expect(forced.code, forced.screen).toBe(0);
    expect(forced.bytes.includes(onScreen(layer.bytes!))).toBe(true);
  });
});
