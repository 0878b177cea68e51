import { isBlobBodyResponse, type TransportResponse } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { expectCode, type SuiteContext } from "./context.js";

/** The response's Blob reader; the ability is what the case is about, so its absence fails. */
function blobOf(res: TransportResponse) {
  expect(isBlobBodyResponse(res), "the response reads its body into a Blob").toBe(true);
  return isBlobBodyResponse(res) ? res : (undefined as never);
}

/** The suite's "blob bodies" cases: a body read whole into a Blob instead of its stream (BlobBodyResponse). */
export function blobBodies(ctx: SuiteContext): void {
  const { make, at, can } = ctx;
  describe.runIf(can("blobBody"))("blob bodies", () => {
    it("reads a 4 MiB body whole into a Blob, every byte in place", async () => {
      const size = 4 * 1024 * 1024;
      const res = await make().request({ method: "GET", url: at(`/bytes?n=${size}`) });
      const blob = await blobOf(res).blob();
      expect(blob.size).toBe(size);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      for (const i of [0, 1, 250, 251, 65_536, size - 1]) expect(bytes[i]).toBe(i % 251);
    });

    it("a deadline past setTimeout's range (2^31 ms) does not cut the body at once", async () => {
      const res = await make().request({ method: "GET", url: at("/bytes?n=100000") });
      expect((await blobOf(res).blob({ deadline: 2 ** 40 })).size).toBe(100_000);
    });

    it("a HEAD's Blob is empty", async () => {
      const res = await make().request({ method: "HEAD", url: at("/bytes?n=1000") });
      expect((await blobOf(res).blob()).size).toBe(0);
    });

    it("a body that stops is cut at the read's deadline with TIMEOUT", async () => {
      const res = await make().request({ method: "GET", url: at("/stall?after=1024") });
      await expectCode(blobOf(res).blob({ deadline: 300 }), "TIMEOUT");
    });

    it("a read aborted by the request's signal rejects with ABORTED", async () => {
      const controller = new AbortController();
      const res = await make().request({ method: "GET", url: at("/stall?after=1024"), signal: controller.signal });
      const read = blobOf(res).blob();
      setTimeout(() => controller.abort(), 100);
      await expectCode(read, "ABORTED");
    });
  });
}
