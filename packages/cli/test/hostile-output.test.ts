// What a registry or a layout puts in front of the user (issue 19): a pre-signed storage URL never reaches stderr,
// --debug or --json whole (its signature is a credential), and control characters a registry or a layout sends
// (ESC/CSI, OSC 52, CR, C1) are printed escaped, never raw. A small hostile registry on loopback plays the registry.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ociImage, writeLayout } from "@toci/testkit/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, toci } from "./helpers.js";

type Route = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(route: Route): Promise<{ server: Server; host: string }> {
  const server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const image = ociImage({ seed: "cli-hostile-output", layerSizes: [30_000] });
const layer = image.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!;
const SECRET = "TOPSECRET0123456789";
/** What a registry's error text may carry to a terminal: OSC 52 (clipboard), a CR and an erase-line, a C1 CSI. */
const FORGED = "\u001b]52;c;cHduZWQ=\u0007\r\u001b[2Kpulled ok \u009b31m";
let registry: { server: Server; host: string };
let storage: { server: Server; host: string };

beforeAll(async () => {
  // The storage host a registry redirects blobs to: it drops every connection.
  storage = await serve((req) => req.socket.destroy());
  registry = await serve((req, res) => {
    const url = req.url ?? "";
    const blob = image.blobs.find((b) => url.endsWith(b.descriptor.digest));
    if (url === "/v2/" || url === "/v2") return void res.writeHead(200, { "content-length": 0 }).end();
    if (url.includes("/forged/")) {
      const body = JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: FORGED }] });
      return void res.writeHead(404, { "content-type": "application/json" }).end(body);
    }
    if (url.includes("/manifests/")) {
      const root = image.blobs.at(-1)!;
      const headers = {
        "content-type": root.descriptor.mediaType,
        "content-length": root.descriptor.size,
        "docker-content-digest": root.descriptor.digest,
      };
      return void res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : root.bytes);
    }
    if (blob === layer) {
      const location = `http://${storage.host}/bucket/layer?X-Amz-Credential=AKIA${SECRET}&X-Amz-Signature=${SECRET}`;
      return void res.writeHead(307, { location, "content-length": 0 }).end();
    }
    if (blob) return void res.writeHead(200, { "content-length": blob.descriptor.size }).end(blob.bytes);
    res.writeHead(404, { "content-length": 0 }).end();
  });
});

afterAll(async () => {
  for (const { server } of [registry, storage]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** No raw control character but the line breaks the command writes itself. */
function noRawControls(text: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be there
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
}

describe("pre-signed URLs", () => {
  it("a blob redirected to a storage URL that fails: no signature on stderr, with --debug, or in --json", async () => {
    const runs = await Promise.all([
      toci(["pull", `${registry.host}/a/b:v1`, "--store", tempDir()]),
      toci(["pull", `${registry.host}/a/b:v1`, "--store", tempDir(), "--debug"]),
      toci(["pull", `${registry.host}/a/b:v1`, "--store", tempDir(), "--json"]),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
    }
    const [plain, debug, json] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(plain.stderr).toContain(`error: NETWORK: GET http://${storage.host}/bucket/layer?…`);
    // The debug run did print the redirect target, redacted, among its lines.
    expect(debug.stderr).toContain(`http://${storage.host}/bucket/layer?…`);
    const doc = JSON.parse(json.stdout) as { error: { code: string; message: string; url: string } };
    expect(doc.error.code).toBe("NETWORK");
    expect(doc.error.url).toBe(`http://${storage.host}/bucket/layer?…`);
  });
});

describe("control characters from outside", () => {
  it("a registry's error text: escaped on stderr and in --json", async () => {
    const plain = await toci(["resolve", `${registry.host}/forged/x:v1`]);
    expect(plain.code).toBe(1);
    noRawControls(plain.stderr);
    expect(plain.stderr).toContain("\\x1b]52;c;cHduZWQ=\\x07\\x0d\\x1b[2Kpulled ok \\x9b31m");
    const json = await toci(["resolve", `${registry.host}/forged/x:v1`, "--json"]);
    noRawControls(json.stdout);
    expect((JSON.parse(json.stdout) as { error: { message: string } }).error.message).toContain(FORGED);
  });

  it("ref.name values of a layout: escaped in `layout ls`, in lines and in --json", async () => {
    const dir = tempDir();
    writeLayout(dir, ociImage({ seed: "cli-forged-name" }), "v1");
    const indexFile = join(dir, "index.json");
    const index = JSON.parse(readFileSync(indexFile, "utf8"));
    index.manifests[0].annotations["org.opencontainers.image.ref.name"] = `v1${FORGED}\nforged line`;
    writeFileSync(indexFile, JSON.stringify(index));
    const ls = await toci(["layout", "ls", "--store", dir]);
    expect(ls.code).toBe(0);
    noRawControls(ls.stdout);
    expect(ls.stdout.trim().split("\n")).toHaveLength(1);
    expect(ls.stdout).toContain("\\x0aforged line");
    const json = await toci(["layout", "ls", "--store", dir, "--json"]);
    noRawControls(json.stdout);
    const doc = JSON.parse(json.stdout) as { roots: Array<{ name: string }> };
    expect(doc.roots[0]!.name).toBe(`v1${FORGED}\nforged line`);
  });
});
