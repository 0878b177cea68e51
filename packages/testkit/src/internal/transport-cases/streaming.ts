import { describe, expect, it } from "vitest";
import { json, pattern, patternStream, type SuiteContext } from "./context.js";

/** The suite's "streaming" cases. */
export function streaming(ctx: SuiteContext): void {
  const { make, id, at, can } = ctx;
  describe("streaming", () => {
    it.runIf(can("largeResponse"))(
      "streams a 64 MiB response chunk by chunk",
      async () => {
        const size = 64 * 1024 * 1024;
        const res = await make().request({ method: "GET", url: at(`/bytes?n=${size}`) });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        let seen = 0;
        let chunks = 0;
        let largest = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (value[0] !== seen % 251) throw new Error(`wrong byte at ${seen}`);
          seen += value.byteLength;
          chunks++;
          largest = Math.max(largest, value.byteLength);
        }
        expect(seen).toBe(size);
        // Delivered as it arrived, not as one buffer.
        expect(chunks).toBeGreaterThan(16);
        expect(largest).toBeLessThan(size / 4);
      },
      30_000,
    );

    it.runIf(can("largeResponse") && can("backPressure"))(
      "a body nobody reads holds the server back (nothing reads ahead)",
      async () => {
        const x = id();
        const size = 64 * 1024 * 1024;
        const res = await make().request({ method: "GET", url: at(`/bytes?n=${size}&id=${x}`) });
        const reader = res.body!.getReader();
        await reader.read();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const { sent } = (await json(await make().request({ method: "GET", url: at(`/attempts?id=${x}`) }))) as {
          sent: number;
        };
        // Socket buffers and the runtime's small stream queues hold a few MiB; a transport buffering the body
        // would have let the server send all 64.
        expect(sent).toBeLessThan(size / 4);
        await reader.cancel();
      },
    );

    // Every transport takes a stream body: streamed, or (a browser's fetchTransport) read into a Blob first.
    it("sends a request body from a ReadableStream (8 MiB)", async () => {
      const size = 8 * 1024 * 1024;
      const res = await make().request({
        method: "PUT",
        url: at("/echo"),
        headers: { "content-type": "application/octet-stream" },
        body: patternStream(size, 64 * 1024),
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ method: "PUT", length: size, pattern: true });
    });

    it("sends a large Blob body (8 MiB)", async () => {
      const size = 8 * 1024 * 1024;
      const res = await make().request({ method: "PUT", url: at("/echo"), body: new Blob([pattern(size)]) });
      expect(await json(res)).toMatchObject({ length: size, pattern: true });
    });
  });
}
