import type { HttpMethod, TransportBody } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { expectCode, json, readAll, type SuiteContext } from "./context.js";

/** The suite's "round trips" cases. */
export function roundTrips(ctx: SuiteContext): void {
  const { make, at } = ctx;
  describe("round trips", () => {
    it.each(["GET", "DELETE"] as const)("%s without a body", async (method) => {
      const res = await make().request({ method, url: at("/echo"), headers: { "x-test": "1" } });
      expect(res.status).toBe(200);
      expect(res.url).toBe(at("/echo"));
      const echo = await json(res);
      expect(echo).toMatchObject({ method, length: 0, headers: { "x-test": "1" } });
    });

    it("HEAD resolves with a null body and the headers", async () => {
      const res = await make().request({ method: "HEAD", url: at("/bytes?n=12345") });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("12345");
      expect(res.body).toBeNull();
    });

    const bodies: [HttpMethod, string, () => TransportBody][] = [
      ["PUT", "a string", () => "hello, registry"],
      ["POST", "bytes", () => new TextEncoder().encode("hello, registry")],
      ["PATCH", "a Blob", () => new Blob(["hello, ", "registry"])],
      ["PUT", "an ArrayBuffer", () => new TextEncoder().encode("hello, registry").buffer as ArrayBuffer],
    ];
    it.each(bodies)("%s with %s", async (method, _kind, body) => {
      const res = await make().request({
        method,
        url: at("/echo"),
        headers: { "content-type": "application/octet-stream" },
        body: body(),
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ method, length: 15, text: "hello, registry" });
    });

    it("resolves 4xx and 5xx as responses, with their bodies", async () => {
      const res = await make({ retries: 0 }).request({ method: "GET", url: at("/nowhere") });
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({ error: "no such route" });
    });

    it("a 416 whose Content-Length lies (distribution 2.8.2) resolves; its body fails as NETWORK", async () => {
      const res = await make().request({ method: "GET", url: at("/bad-416") });
      expect(res.status).toBe(416);
      await expectCode(readAll(res.body), "NETWORK");
    });
  });
}
