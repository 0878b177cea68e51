// A registry's byte-range answers, fuzzed (issue 9): the `Range` of a PATCH or an upload status, and the
// `Content-Range` of a 206. Whatever they say, a push or a pull ends in `progress 100` or one `failed` event with an
// OciError, after a bounded number of requests, and never reports or sends more bytes than the blob has. Before
// this test, a registry that kept answering `Range: 0-0` had a push send the same chunk forever, a Range past the
// end had it PUT a negative Content-Length, and a 206 of another range had a pull restart forever.
import { createHash } from "node:crypto";
import { describe as describeContent, isOciError, type TransferEvent } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { handlerTransport } from "./helpers/handler-transport.js";

/** More requests than any honest sequence of retries needs; the handler stops answering past it. */
const REQUEST_BOUND = 1000;
const ORIGIN = "https://registry.example";

/** A Range value: the true one, or something a broken registry says. */
const rangeValue = fc.oneof(
  fc.constant("true"),
  fc.constant("true"),
  fc.constantFrom("0-0", "bytes=0-0", "0-999999999999999", "0-9007199254740993", "", "0-", "-1", "5-9"),
  fc.nat({ max: 64 }).map((n) => `0-${n}`),
  fc.string({ maxLength: 12 }),
);

async function events(iterable: AsyncIterable<TransferEvent>): Promise<TransferEvent[]> {
  const out: TransferEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

function checkEnding(all: TransferEvent[], size: number): void {
  const last = all.at(-1);
  if (last?.type === "failed") expect(isOciError(last.error)).toBe(true);
  else expect(last).toMatchObject({ type: "progress", percent: 100 });
  for (const e of all) {
    if (e.type !== "progress") continue;
    expect(e.totalBytes).toBeLessThanOrEqual(size);
    expect(e.bytes).toBeLessThanOrEqual(e.totalBytes);
  }
}

describe("upload Range answers (fuzzed)", () => {
  it("any PATCH and upload-status Range: the push ends, in bounded requests, never overclaiming or sending a negative length", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.constantFrom(202, 202, 202, 416, 500), rangeValue), { minLength: 1, maxLength: 12 }),
        rangeValue,
        async (data, patchAnswers, statusRange) => {
          const desc = await describeContent(data);
          let held = new Uint8Array(0);
          let requests = 0;
          const badLengths: string[] = [];
          const range = (value: string) => (value === "true" ? `0-${Math.max(0, held.byteLength - 1)}` : value);
          const transport = handlerTransport(async (req) => {
            if (++requests > REQUEST_BOUND) return new Response(null, { status: 400 });
            const url = new URL(req.url);
            if (req.method === "HEAD") return new Response(null, { status: 404 });
            if (req.method === "POST") {
              held = new Uint8Array(0);
              return new Response(null, { status: 202, headers: { location: "/v2/a/b/blobs/uploads/s" } });
            }
            if (req.method === "GET")
              return new Response(null, { status: 204, headers: { range: range(statusRange) } });
            if (req.method === "PATCH") {
              const [status, value] = patchAnswers[requests % patchAnswers.length]!;
              const body = new Uint8Array(await req.arrayBuffer());
              const start = Number(req.headers.get("content-range")?.split("-")[0]);
              if (status === 202) held = new Uint8Array([...held.subarray(0, start), ...body]);
              return new Response(null, { status, headers: { range: range(value) } });
            }
            if (req.method === "PUT") {
              const length = req.headers.get("content-length") ?? "0";
              if (!/^\d+$/.test(length)) badLengths.push(length);
              const all = new Uint8Array([...held, ...new Uint8Array(await req.arrayBuffer())]);
              const digest = `sha256:${createHash("sha256").update(all).digest("hex")}`;
              if (digest !== desc.digest || url.searchParams.get("digest") !== desc.digest) {
                return new Response('{"errors":[{"code":"DIGEST_INVALID"}]}', { status: 400 });
              }
              return new Response(null, { status: 201, headers: { "docker-content-digest": digest } });
            }
            return new Response(null, { status: 204 });
          });
          const client = new Client({ transport, store: memoryStore(), monolithicMax: 1, chunkSize: 4 });
          const all = await events(client.registry(ORIGIN).repo("a/b").push(data, desc));
          await client.close();
          checkEnding(all, data.byteLength);
          expect(requests).toBeLessThan(REQUEST_BOUND);
          expect(badLengths).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a registry that always acknowledges `0-0` fails the push with PROTOCOL (it used to loop forever)", async () => {
    const { last, methods } = await pushAcknowledged("0-0");
    expect(last).toMatchObject({ type: "failed", error: { code: "PROTOCOL" } });
    expect(methods.filter((m) => m === "PATCH").length).toBeLessThan(20);
  });

  it("a Range past what was sent fails the push with PROTOCOL before any PUT", async () => {
    const { last, methods } = await pushAcknowledged("0-999999999");
    expect(last).toMatchObject({ type: "failed", error: { code: "PROTOCOL" } });
    expect(methods).not.toContain("PUT");
  });
});

/** Pushes 10 bytes in 2-byte PATCHes to a registry that acknowledges every one with `range`. */
async function pushAcknowledged(range: string): Promise<{ last: TransferEvent | undefined; methods: string[] }> {
  const data = new Uint8Array(10).fill(1);
  const methods: string[] = [];
  const transport = handlerTransport((req) => {
    methods.push(req.method);
    if (methods.length > REQUEST_BOUND) return new Response(null, { status: 400 });
    if (req.method === "POST") {
      return new Response(null, { status: 202, headers: { location: "/v2/a/b/blobs/uploads/s" } });
    }
    if (req.method === "PATCH") return new Response(null, { status: 202, headers: { range } });
    return new Response(null, { status: 404 });
  });
  const client = new Client({ transport, store: memoryStore(), monolithicMax: 1, chunkSize: 2 });
  const all = await events(
    client
      .registry(ORIGIN)
      .repo("a/b")
      .push(data, await describeContent(data)),
  );
  await client.close();
  return { last: all.at(-1), methods };
}

describe("Content-Range answers of a pull (fuzzed)", () => {
  it("any 206 Content-Range: the pull ends, in bounded requests, with the blob verified or an OciError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.oneof(
          fc.constantFrom("bytes 5-9/10", "bytes 0-0/*", "bytes 0-99999999999999999/*", "bytes */10"),
          fc
            .tuple(fc.nat(50), fc.nat(50), fc.oneof(fc.nat(50).map(String), fc.constant("*")))
            .map(([a, b, c]) => `bytes ${a}-${b}/${c}`),
          fc.string({ maxLength: 20 }),
        ),
        fc.boolean(),
        async (data, contentRange, lie) => {
          const desc = { ...(await describeContent(data)), mediaType: "application/octet-stream" };
          let requests = 0;
          const transport = handlerTransport(() => {
            if (++requests > REQUEST_BOUND) return new Response(null, { status: 400 });
            // The body is the true blob from 0, or its tail; the header is the fuzzed one.
            const body = lie ? data.subarray(Math.floor(data.byteLength / 2)) : data;
            return new Response(body, { status: 206, headers: { "content-range": contentRange } });
          });
          const client = new Client({ transport, store: memoryStore() });
          const all = await events(client.registry(ORIGIN).repo("a/b").pull(desc));
          await client.close();
          checkEnding(all, data.byteLength);
          expect(requests).toBeLessThan(REQUEST_BOUND);
        },
      ),
      { numRuns: 200 },
    );
  });
});
