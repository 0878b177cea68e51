// HEAD keep-alive in Node: the dispatcher lookup, and what it changes on the wire (connections counted by undici).
import dc from "node:diagnostics_channel";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchTransport } from "../src/index.js";
import { keepAliveHeadDispatcher } from "../src/keep-alive-head.js";

const server = createServer((req, res) => {
  res.writeHead(200, { "content-length": 2 }).end(req.method === "HEAD" ? undefined : "ok");
});
let url = "";
let connections = 0;
const onConnect = () => connections++;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  dc.subscribe("undici:client:connected", onConnect);
});
afterAll(() => {
  dc.unsubscribe("undici:client:connected", onConnect);
  server.close();
});

async function heads(transport: ReturnType<typeof fetchTransport>, n: number) {
  await (await transport.request({ method: "GET", url })).body?.cancel();
  const before = connections;
  for (let i = 0; i < n; i++) expect((await transport.request({ method: "HEAD", url })).status).toBe(200);
  return connections - before;
}

describe("keep-alive HEAD", () => {
  it("finds undici's global dispatcher only where there is one", () => {
    expect(keepAliveHeadDispatcher({})).toBeUndefined();
    const calls: unknown[] = [];
    const global = { [Symbol.for("undici.globalDispatcher.1")]: { dispatch: (o: unknown) => calls.push(o) } };
    const dispatcher = keepAliveHeadDispatcher(global);
    dispatcher!.dispatch({ method: "HEAD", path: "/" }, {});
    expect(calls).toEqual([{ method: "HEAD", path: "/", reset: false }]);
    expect(keepAliveHeadDispatcher(global)).toBe(dispatcher);
  });

  it("20 HEADs share one connection (Node's fetch alone opens 20)", async () => {
    expect(await heads(fetchTransport(), 20)).toBeLessThanOrEqual(1);
    expect(await heads(fetchTransport({ keepAliveHead: false }), 20)).toBeGreaterThanOrEqual(15);
  });
});
