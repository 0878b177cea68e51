// HeaderList behaves as the global Headers does for everything a transport and its callers use, and a process that
// uses nodeTransport never loads undici (the point of HeaderList: 60–80 ms and 12 MiB saved at start-up).
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { HeaderList } from "../src/headers.js";

type Op = [keyof Headers & string, ...string[]];

describe("HeaderList", () => {
  const init: [string, string][] = [
    ["Content-Type", "application/json"],
    ["X-Multi", " a "],
    ["x-multi", "b"],
    ["Set-Cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["WWW-Authenticate", 'Bearer realm="https://auth.io/token",service="r.io"'],
  ];
  const ops: Op[] = [
    ["get", "content-type"],
    ["get", "X-MULTI"],
    ["get", "set-cookie"],
    ["get", "missing"],
    ["has", "www-authenticate"],
    ["has", "nope"],
    ["set", "x-multi", "c"],
    ["append", "Accept", "a/b"],
    ["append", "accept", "c/d"],
    ["delete", "CONTENT-TYPE"],
  ];

  it("matches the global Headers, step by step", () => {
    const ours = new HeaderList(init);
    const theirs = new Headers(init);
    for (const [op, ...args] of ops) {
      const call = (h: Headers) => (h[op] as (...a: string[]) => unknown).apply(h, args);
      expect(call(ours), `${op}(${args.join(", ")})`).toEqual(call(theirs));
      expect([...ours]).toEqual([...theirs]);
    }
    expect(ours.getSetCookie()).toEqual(theirs.getSetCookie());
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    expect([...ours.values()]).toEqual([...theirs.values()]);
    const seen: string[] = [];
    ours.forEach((value, key) => {
      seen.push(`${key}=${value}`);
    });
    expect(seen).toEqual([...theirs].map(([k, v]) => `${k}=${v}`));
    expect([...new Headers(ours)]).toEqual([...theirs]);
    expect(new HeaderList({ A: "1" }).get("a")).toBe("1");
  });

  it.each([
    ["a name that is not a token", () => new HeaderList({ "bad name": "x" })],
    ["a value with a line break", () => new HeaderList({ x: "a\r\nb: c" })],
    ["a value with NUL", () => new HeaderList().set("x", "a\0")],
  ])("refuses %s, as Headers does", (_what, make) => {
    expect(make).toThrow(TypeError);
  });
});

it("a process using nodeTransport never loads undici", async () => {
  const server = createServer((_req, res) => res.writeHead(200, { "content-length": "2" }).end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  const script = `
    const { nodeTransport } = await import(${JSON.stringify(dist)});
    const transport = nodeTransport();
    const res = await transport.request({ method: "GET", url: ${JSON.stringify(url)}, headers: { accept: "*/*" } });
    let n = 0;
    for await (const chunk of res.body) n += chunk.byteLength;
    await transport.close();
    console.log(res.status, n, res.headers.get("content-length"), process.moduleLoadList.filter((m) => m.includes("undici")).length);
  `;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
    expect(stdout.trim()).toBe("200 2 2 0");
  } finally {
    server.close();
  }
});
