// `toci relay` as users run it: the built bundle in a child process in front of the run's real registries (plain
// and token), used by @toci/client in Node with the page's Origin on every request, as a browser's would carry it.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { Client } from "@toci/client";
import { strict } from "@toci/client/strict";
import { type ClosableTransport, type TransferEvent, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, dockerConfig, registries, tempDir, toci } from "./helpers.js";

const PAGE = "http://page.example:8080";
const { plain, token, tls } = registries();
const image = ociImage({ seed: "cli-relay", layerSizes: [2048, 200_000] });
const started: ChildProcess[] = [];

interface Relay {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** `toci relay ...args` on a free loopback port; resolves once it says where it listens. */
function startRelay(args: string[], env: Record<string, string> = {}): Promise<Relay> {
  const child = spawn(process.execPath, [BIN, "relay", "--listen", "127.0.0.1:0", ...args], {
    env: { ...process.env, DOCKER_CONFIG: dockerConfig({}), NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stderr = "";
  let stdout = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const check = () => {
      const url = /relay listening on (http:\/\/\S+)/.exec(stderr)?.[1] ?? jsonUrl(stdout);
      if (url) resolve({ url, child, stderr: () => stderr, stdout: () => stdout, exit });
    };
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      check();
    });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      check();
    });
    void exit.then((code) => reject(new Error(`toci relay exited ${code}: ${stderr}`)));
  });
}

function jsonUrl(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { url?: string }).url;
  } catch {
    return undefined;
  }
}

/** The client's node:http transport, with the page's Origin on every request (token requests included). */
function pageTransport(origin = PAGE): ClosableTransport {
  const inner = nodeTransport();
  return {
    request: (r) => inner.request({ ...r, headers: { ...r.headers, origin } }),
    close: () => inner.close(),
  };
}

async function last(events: AsyncIterable<TransferEvent>): Promise<TransferEvent> {
  let end: TransferEvent | undefined;
  for await (const e of events) end = e;
  return end!;
}

/**
 * Pulls `repo:v1` through `<relay>/<name>` into memory; resolves the last event, the tags, what the tag resolves to
 * and whether the image's last layer reached the store.
 */
async function pullThrough(base: string, repo: string, auth?: { username: string; password: string }) {
  await using client = new Client({ transport: pageTransport(), store: memoryStore() });
  const registry = client.registry(base, auth ? { auth: { type: "basic", ...auth } } : {});
  const end = await last(registry.repo(repo).pull("v1"));
  return {
    end,
    tags: await registry.repo(repo).tags(),
    root: (await registry.repo(repo).resolve("v1"))?.digest,
    stored: await client.store.exists(image.layers[1]!),
  };
}

/** The token registry's catalog through `<relay>/<name>` with no credentials of the client's own. */
async function catalogThrough(base: string): Promise<string[]> {
  await using client = new Client({ transport: pageTransport(), store: memoryStore() });
  const names: string[] = [];
  for await (const page of strict(client.registry(base)).catalog()) names.push(...page.map((r) => r.name));
  return names;
}

beforeAll(async () => {
  await pushFixture(image, { url: plain.url, repo: "cli/relay", tag: "v1" });
  await pushFixture(image, { url: token.url, repo: "cli/relay", tag: "v1", credentials: token.credentials });
});

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("toci relay", () => {
  it("serves an allowed origin: tags, manifest and blobs from a plain registry, with CORS", async () => {
    const relay = await startRelay(["--upstream", `reg=${plain.host}`, "--allow-origin", PAGE]);
    const pulled = await pullThrough(`${relay.url}/reg`, "cli/relay");
    expect(pulled).toMatchObject({ end: { type: "progress", percent: 100 }, tags: ["v1"], stored: true });
    expect(pulled.root).toBe(image.root.digest);
    const blob = await fetch(`${relay.url}/reg/v2/cli/relay/blobs/${image.layers[1]!.digest}`, {
      headers: { origin: PAGE },
    });
    expect(blob.status).toBe(200);
    expect(blob.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect((await blob.arrayBuffer()).byteLength).toBe(image.layers[1]!.size);
  });

  it("refuses another origin, without CORS headers, and says so on stderr", async () => {
    const relay = await startRelay(["--upstream", `reg=${plain.host}`, "--allow-origin", PAGE]);
    const response = await fetch(`${relay.url}/reg/v2/cli/relay/tags/list`, {
      headers: { origin: "http://evil.example" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const pulled = await (async () => {
      await using client = new Client({ transport: pageTransport("http://evil.example"), store: memoryStore() });
      return await last(client.registry(`${relay.url}/reg`).repo("cli/relay").pull("v1"));
    })();
    expect(pulled).toMatchObject({ type: "failed", error: { code: "DENIED", status: 403 } });
    expect(relay.stderr()).toContain("refused 403 GET");
    expect(relay.stderr()).toContain("origin http://evil.example is not allowed");
  });

  it("relays a token registry's auth: the page's credentials, or the docker config's with --lend-credentials", async () => {
    const realm = new URL(token.token!.realm).origin;
    const upstream = `--upstream=reg=${token.host},${realm}`;
    const relay = await startRelay([upstream, "--allow-origin", PAGE]);
    expect((await pullThrough(`${relay.url}/reg`, "cli/relay", token.credentials)).stored).toBe(true);
    // The token server gives anonymous callers pull, and nothing else: the catalog needs credentials.
    await expect(catalogThrough(`${relay.url}/reg`)).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    const auth = Buffer.from(`${token.credentials!.username}:${token.credentials!.password}`).toString("base64");
    const lending = await startRelay([upstream, "--allow-origin", PAGE, "--lend-credentials"], {
      DOCKER_CONFIG: dockerConfig({ auths: { [token.host]: { auth } } }),
    });
    expect(lending.stderr()).toContain(`${lending.url}/reg  (lending docker credentials)`);
    expect(await catalogThrough(`${lending.url}/reg`)).toContain("cli/relay");
    expect((await pullThrough(`${lending.url}/reg`, "cli/relay")).stored).toBe(true);
  });

  it("takes a push through it, monolithic and chunked, the bodies streamed to a token registry", async () => {
    const realm = new URL(token.token!.realm).origin;
    const relay = await startRelay([`--upstream=reg=${token.host},${realm}`, "--allow-origin", PAGE]);
    const pushed = ociImage({ seed: "cli-relay-push", layerSizes: [300_000, 2048] });
    const store = memoryStore();
    for (const blob of pushed.blobs) await writeBlob(store, blob.descriptor, blob.bytes!);
    await using client = new Client({ transport: pageTransport(), store });
    const auth = { type: "basic" as const, ...token.credentials! };
    const whole = await last(
      client.registry(`${relay.url}/reg`, { auth }).repo("cli/relay-push").push(pushed.root, { tag: "v1" }),
    );
    expect(whole).toMatchObject({ type: "progress", percent: 100 });
    const chunked = client.registry(`${relay.url}/reg`, { auth, monolithicMax: 1, chunkSize: 100_000 });
    expect(await last(chunked.repo("cli/relay-chunked").push(pushed.root, { tag: "v1" }))).toMatchObject({
      percent: 100,
    });
    for (const repo of ["cli/relay-push", "cli/relay-chunked"]) {
      await using back = new Client({ transport: nodeTransport(), store: memoryStore() });
      expect(await last(back.registry(token.url, { auth }).repo(repo).pull("v1")), repo).toMatchObject({
        percent: 100,
      });
      for (const blob of pushed.blobs) expect(await back.store.exists(blob.descriptor), repo).toBe(true);
    }
  });

  it("stops on SIGTERM with exit 0; with --json, one document on stdout and nothing on stderr", async () => {
    const relay = await startRelay(["--upstream", plain.host, "--allow-origin", PAGE, "--json"]);
    relay.child.kill("SIGTERM");
    expect(await relay.exit).toBe(0);
    expect(relay.stderr()).toBe("");
    expect(JSON.parse(relay.stdout())).toEqual({
      url: relay.url,
      upstreams: [{ name: plain.host, url: `${relay.url}/${plain.host}` }],
      lending: [],
    });
    const second = await startRelay(["--upstream", plain.host, "--allow-origin", PAGE]);
    second.child.kill("SIGINT");
    expect(await second.exit).toBe(0);
    // What a user reads: one upstream a line (line breaks, not escaped ones), then the stop.
    expect(second.stderr()).toBe(
      `relay listening on ${second.url} (Ctrl-C to stop)\n  ${second.url}/${plain.host}\n\nrelay: stopping\n`,
    );
  });

  it("serves requests without Origin for loopback hosts only, and once --host is given only its names (DNS rebinding)", async () => {
    const status = (url: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const { port } = new URL(url);
        http
          .get({ host: "127.0.0.1", port, path: `/${plain.host}/v2/`, headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .on("error", reject);
      });
    const relay = await startRelay(["--upstream", plain.host, "--allow-no-origin"]);
    const { port } = new URL(relay.url);
    expect(await status(relay.url, `127.0.0.1:${port}`)).toBe(200);
    expect(await status(relay.url, `localhost:${port}`)).toBe(200);
    // A page on a name pointed at 127.0.0.1 sends its same-origin GETs without Origin.
    expect(await status(relay.url, `rebind.attacker.example:${port}`)).toBe(421);
    // The relay logs after it answers: its line may reach stderr a moment later.
    await expect.poll(() => relay.stderr()).toContain("does not answer for host rebind.attacker.example");

    const named = await startRelay(["--upstream", plain.host, "--allow-no-origin", "--host", "lan.example"]);
    expect(await status(named.url, "lan.example")).toBe(200);
    expect(await status(named.url, new URL(named.url).host)).toBe(421);
  });

  it("reaches a TLS upstream with --ca-file, or with the configuration file's ca, as other commands do", async () => {
    const through = async (relay: Relay) => {
      const response = await fetch(`${relay.url}/${tls.host}/v2/`, { headers: { origin: PAGE } });
      await response.body?.cancel();
      return response.status;
    };
    const untrusted = await startRelay(["--upstream", `https://${tls.host}`, "--allow-origin", PAGE]);
    expect(await through(untrusted)).toBe(502);
    // The page learns the upstream failed; the log says why.
    await expect.poll(() => untrusted.stderr()).toMatch(/failed 502 GET .*certificate/);
    const flagged = await startRelay([
      "--upstream",
      `https://${tls.host}`,
      "--allow-origin",
      PAGE,
      "--ca-file",
      tls.caFile!,
    ]);
    expect(await through(flagged)).toBe(200);
    const config = join(tempDir(), "config.json");
    writeFileSync(config, JSON.stringify({ registries: { [tls.host]: { ca: tls.caFile } } }));
    const configured = await startRelay(["--upstream", `https://${tls.host}`, "--allow-origin", PAGE], {
      TOCI_CONFIG: config,
    });
    expect(await through(configured)).toBe(200);
  });

  it("says a taken --listen port is in use, and refuses an --allow-origin that is no origin (usage, exit 2)", async () => {
    const first = await startRelay(["--upstream", plain.host, "--allow-origin", PAGE]);
    const taken = await toci([
      "relay",
      "--listen",
      new URL(first.url).host,
      "--upstream",
      plain.host,
      "--allow-origin",
      PAGE,
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("EADDRINUSE");
    expect(taken.stderr).toContain("that port is in use");
    expect(taken.stderr).not.toContain("is the registry running");
    for (const origin of ["x.example", "http://x.example/path"]) {
      const bad = await toci(["relay", "--upstream", plain.host, "--allow-origin", origin]);
      expect(bad.code, origin).toBe(2);
    }
  });

  it("refuses a non-loopback --listen without --public, and a relay without upstreams (usage, exit 2)", async () => {
    const open = await toci(["relay", "--listen", "0.0.0.0:0", "--upstream", plain.host, "--allow-origin", PAGE]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain("--public");
    const none = await toci(["relay", "--listen", "127.0.0.1:0", "--allow-origin", PAGE]);
    expect(none.code).toBe(2);
    const badUpstream = await toci(["relay", "--upstream", "http://[bad", "--allow-origin", PAGE]);
    expect(badUpstream.code).toBe(2);
  });
});
