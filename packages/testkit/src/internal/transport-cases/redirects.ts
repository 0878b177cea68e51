import { describe, expect, it } from "vitest";
import { json, type SuiteContext } from "./context.js";

/** The suite's "redirects" cases. */
export function redirects(ctx: SuiteContext): void {
  const { make, id, at } = ctx;
  describe("redirects", () => {
    const auth = { authorization: "Bearer secret-token", cookie: "session=secret" };

    it("a same-origin redirect keeps Authorization", async () => {
      const x = id();
      const to = encodeURIComponent(`/record?id=${x}`);
      const res = await make().request({ method: "GET", url: at(`/redirect?status=302&to=${to}`), headers: auth });
      expect(res.status).toBe(200);
      expect(res.url).toBe(at(`/record?id=${x}`));
      expect(await json(res)).toMatchObject({ method: "GET", authorization: "Bearer secret-token" });
    });

    it.each([301, 302, 303, 307, 308])("a %i to another origin (another port) drops Authorization", async (status) => {
      const x = id();
      const to = encodeURIComponent(`${ctx.servers().otherUrl}/record?id=${x}`);
      const res = await make().request({
        method: "GET",
        url: at(`/redirect?status=${status}&to=${to}`),
        headers: auth,
      });
      expect(res.status).toBe(200);
      expect(res.url).toBe(`${ctx.servers().otherUrl}/record?id=${x}`);
      await json(res);
      const seen = await json(await make().request({ method: "GET", url: `${ctx.servers().otherUrl}/seen?id=${x}` }));
      expect(seen).toEqual([expect.objectContaining({ method: "GET", authorization: null })]);
    });

    it("a 307 keeps the method and the body", async () => {
      const x = id();
      const to = encodeURIComponent(`/record?id=${x}`);
      const res = await make().request({ method: "PUT", url: at(`/redirect?status=307&to=${to}`), body: "12345" });
      expect(await json(res)).toMatchObject({ method: "PUT", length: 5 });
    });

    it("a 303 turns a POST into a GET without a body", async () => {
      const x = id();
      const to = encodeURIComponent(`/record?id=${x}`);
      const res = await make().request({ method: "POST", url: at(`/redirect?status=303&to=${to}`), body: "12345" });
      expect(await json(res)).toMatchObject({ method: "GET", length: 0 });
    });

    it("a chain across origins and back never sends Authorization again", async () => {
      const x = id();
      const back = `${ctx.servers().url}/record?id=${x}`;
      const via = `${ctx.servers().otherUrl}/redirect?status=302&to=${encodeURIComponent(back)}`;
      const res = await make().request({
        method: "GET",
        url: at(`/redirect?status=302&to=${encodeURIComponent(via)}`),
        headers: auth,
      });
      expect(res.status).toBe(200);
      await json(res);
      // The credential was for the first origin; after a hop elsewhere it is gone for good.
      const seen = await json(await make().request({ method: "GET", url: at(`/seen?id=${x}`) }));
      expect(seen).toEqual([expect.objectContaining({ authorization: null })]);
    });
  });
}
