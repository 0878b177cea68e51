import { type Store, writeBlob } from "@toci/spec-types";
import { beforeEach, describe, it } from "vitest";
import type { StoreContext } from "./context.js";
import { describeBytes, encoder, expectCode, expectNothing } from "./helpers.js";

/** The suite's "verification" cases. */
export function verification(ctx: StoreContext): void {
  describe("verification", () => {
    mismatches(ctx);
  });
}

function mismatches({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("refuses content that hashes to another digest, and nothing becomes visible", async () => {
    const d = await describeBytes(encoder.encode("the real content"));
    const ingest = await store.ingest(d);
    await ingest.write(encoder.encode("the fake content"));
    await expectCode(ingest.commit(), "DIGEST_MISMATCH");
    await expectNothing(store, d);
  });

  it("refuses more bytes than the size, on write, and nothing becomes visible", async () => {
    const d = await describeBytes(encoder.encode("12345"));
    const ingest = await store.ingest(d);
    await ingest.write(encoder.encode("123"));
    await expectCode(ingest.write(encoder.encode("456")), "SIZE_MISMATCH");
    await ingest.abort();
    await expectNothing(store, d);
  });

  it("refuses fewer bytes than the size, on commit, and nothing becomes visible", async () => {
    const d = await describeBytes(encoder.encode("12345"));
    const ingest = await store.ingest(d);
    await ingest.write(encoder.encode("1234"));
    await expectCode(ingest.commit(), "SIZE_MISMATCH");
    await expectNothing(store, d);
  });

  it("refuses a descriptor that lies about the size even when the digest matches", async () => {
    const real = await describeBytes(encoder.encode("abc"));
    const lying = { ...real, size: 4 };
    await expectCode(writeBlob(store, lying, encoder.encode("abc")), "SIZE_MISMATCH");
    await expectNothing(store, lying);
  });
}
