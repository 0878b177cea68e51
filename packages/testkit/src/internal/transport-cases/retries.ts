import { describe, expect, it } from "vitest";
import { patternStream, readAll, type SuiteContext, text } from "./context.js";

/** The suite's "retries" cases. */
export function retries(ctx: SuiteContext): void {
  const { make, id, at, can } = ctx;
  describe("retries", () => {
    it("retries a 503 with Retry-After in seconds (0) until it succeeds", async () => {
      const x = id();
      const res = await make().request({ method: "GET", url: at(`/status?code=503&times=2&retryAfter=0&id=${x}`) });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-attempts")).toBe("3");
      expect(await text(res)).toBe("ok");
    });

    it("waits the Retry-After of a 429 (1 s)", async () => {
      const x = id();
      const started = Date.now();
      const res = await make().request({ method: "GET", url: at(`/status?code=429&times=1&retryAfter=1&id=${x}`) });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await text(res);
    });

    it("honours Retry-After as an HTTP date", async () => {
      const x = id();
      const date = encodeURIComponent(new Date(Date.now() + 1000).toUTCString());
      const started = Date.now();
      const res = await make().request({
        method: "GET",
        url: at(`/status?code=503&times=1&retryAfter=${date}&id=${x}`),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-attempts")).toBe("2");
      expect(Date.now() - started).toBeLessThan(3000);
      await text(res);
    });

    it("does not wait a Retry-After beyond its cap: the 429 is returned", async () => {
      const x = id();
      const started = Date.now();
      const res = await make({ maxRetryAfterMs: 1000 }).request({
        method: "GET",
        url: at(`/status?code=429&times=1&retryAfter=120&id=${x}`),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("120");
      expect(res.headers.get("x-attempts")).toBe("1");
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await text(res)).toBe("try again later");
    });

    it("stops at the retry limit and returns the last response with its body", async () => {
      const x = id();
      const res = await make({ retries: 2 }).request({
        method: "GET",
        url: at(`/status?code=503&times=99&retryAfter=0&id=${x}`),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("x-attempts")).toBe("3");
      expect(await text(res)).toBe("try again later");
    });

    it.each(["POST", "PATCH"] as const)("never retries %s", async (method) => {
      const x = id();
      const res = await make().request({
        method,
        url: at(`/status?code=503&times=1&retryAfter=0&id=${x}`),
        body: "x",
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("x-attempts")).toBe("1");
      await text(res);
    });

    it.runIf(can("streamingRequestBody"))("never retries a request with a stream body", async () => {
      const x = id();
      const res = await make().request({
        method: "PUT",
        url: at(`/status?code=503&times=1&retryAfter=0&id=${x}`),
        body: patternStream(1024, 256),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("x-attempts")).toBe("1");
      await text(res);
    });

    it("retries a PUT with a replayable body, sending the body again", async () => {
      const x = id();
      const res = await make().request({
        method: "PUT",
        url: at(`/status?code=500&times=1&id=${x}`),
        body: new Blob(["again"]),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-attempts")).toBe("2");
      await text(res);
    });

    it("does not retry a 4xx other than 408 and 429", async () => {
      const x = id();
      const res = await make().request({ method: "GET", url: at(`/status?code=404&times=1&id=${x}`) });
      expect(res.status).toBe(404);
      await text(res);
    });

    it("retries a dropped connection", async () => {
      const x = id();
      const res = await make().request({ method: "GET", url: at(`/drop?times=1&id=${x}`) });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-attempts")).toBe("2");
      await text(res);
    });

    it.runIf(can("connectionReuse"))(
      "reuses one connection across consumed and retried responses, and HEADs",
      async () => {
        const transport = make();
        const before = await ctx.stats(transport);
        for (let i = 0; i < 10; i++) {
          const res = await transport.request({
            method: "GET",
            url: at(`/status?code=503&times=1&retryAfter=0&id=${id()}`),
          });
          await text(res);
          await readAll((await transport.request({ method: "GET", url: at("/bytes?n=1000") })).body);
          // Node's fetch alone would open a new connection for each of these (undici closes after a HEAD).
          expect((await transport.request({ method: "HEAD", url: at("/bytes?n=1000") })).status).toBe(200);
        }
        const after = await ctx.stats(transport);
        expect(after - before).toBeLessThanOrEqual(2);
      },
    );
  });
}
