// In Chromium: an Authorization header never reaches a second origin on a redirect, through fetchTransport and
// through fetch itself; the transport detects that fetch must follow redirects here; and a stream upload over
// HTTP/1.1 fails (Chromium needs HTTP/2 for it), as a NETWORK error.
import { describe, expect, inject, it } from "vitest";
import { fetchTransport } from "../src/index.js";
import { detectRedirectMode } from "../src/redirect.js";

const servers = inject("transportServers");
const id = () => `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

async function seenBy(origin: string, x: string) {
  const res = await fetch(`${origin}/seen?id=${x}`);
  return (await res.json()) as { method: string; authorization: string | null }[];
}

describe("redirects in Chromium", () => {
  it("runs in a real browser", () => {
    expect(typeof document).toBe("object");
    expect(navigator.userAgent).toMatch(/Chrome\//);
    expect(detectRedirectMode(globalThis)).toBe("follow");
  });

  it.each([301, 302, 303, 307, 308])("a %i to another port drops Authorization (fetchTransport)", async (status) => {
    const x = id();
    const target = `${servers.otherUrl}/record?id=${x}`;
    const transport = fetchTransport();
    const res = await transport.request({
      method: "GET",
      url: `${servers.url}/redirect?status=${status}&to=${encodeURIComponent(target)}`,
      headers: { authorization: "Bearer secret-token" },
    });
    expect(res.status).toBe(200);
    expect(res.url).toBe(target);
    await res.body?.cancel();
    expect(await seenBy(servers.otherUrl, x)).toEqual([
      expect.objectContaining({ method: "GET", authorization: null }),
    ]);
  });

  it("a same-origin redirect keeps Authorization (fetchTransport)", async () => {
    const x = id();
    const res = await fetchTransport().request({
      method: "GET",
      url: `${servers.url}/redirect?status=302&to=${encodeURIComponent(`/record?id=${x}`)}`,
      headers: { authorization: "Bearer secret-token" },
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(await seenBy(servers.url, x)).toEqual([expect.objectContaining({ authorization: "Bearer secret-token" })]);
  });

  it("Chromium's own fetch drops it too (the behaviour the transport relies on here)", async () => {
    const x = id();
    const target = `${servers.otherUrl}/record?id=${x}`;
    const res = await fetch(`${servers.url}/redirect?status=307&to=${encodeURIComponent(target)}`, {
      headers: { authorization: "Bearer secret-token" },
    });
    expect(res.redirected).toBe(true);
    await res.arrayBuffer();
    expect(await seenBy(servers.otherUrl, x)).toEqual([expect.objectContaining({ authorization: null })]);
  });
});

describe("request bodies in Chromium", () => {
  /** A stream of `n` bytes, i % 251, in chunks of 64 KiB from one reused buffer (as a store's reader may hand them). */
  function patternStream(n: number): ReadableStream<Uint8Array> {
    const chunk = new Uint8Array(65_536);
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const size = Math.min(chunk.length, n - at);
        for (let i = 0; i < size; i++) chunk[i] = (at + i) % 251;
        at += size;
        controller.enqueue(chunk.subarray(0, size));
        if (at === n) controller.close();
      },
    });
  }

  it("a ReadableStream body is read into a Blob and sent: HTTP/1.1 takes it, with its length, and it may be retried", async () => {
    const n = 1_000_003;
    const response = await fetchTransport().request({
      method: "PUT",
      url: `${servers.url}/echo`,
      body: patternStream(n),
    });
    const echo = (await new Response(response.body).json()) as {
      length: number;
      pattern: boolean;
      headers: Record<string, string>;
    };
    expect([response.status, echo.length, echo.pattern]).toEqual([200, n, true]);
    expect(echo.headers["content-length"]).toBe(String(n));
    expect(echo.headers["transfer-encoding"]).toBeUndefined();
  });

  it("with streamUploads, a stream goes to fetch as it is, which Chromium sends over HTTP/2 only: NETWORK here", async () => {
    const transport = fetchTransport({ streamUploads: true });
    await expect(
      transport.request({ method: "PUT", url: `${servers.url}/echo`, body: patternStream(16) }),
    ).rejects.toMatchObject({ code: "NETWORK" });
  });
});

describe("response bodies in Chromium", () => {
  it("are byte streams: a BYOB read fills the reader's own buffer, which comes back with the bytes", async () => {
    const n = 3 * 1024 * 1024 + 5;
    const res = await fetchTransport().request({ method: "GET", url: `${servers.url}/bytes?n=${n}` });
    const reader = res.body!.getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(1024 * 1024);
    const first = buffer;
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      total += value.byteLength;
      buffer = value.buffer as ArrayBuffer;
      expect(buffer.byteLength).toBe(1024 * 1024); // the same buffer, moved back and forth (no chunk of fetch's own)
    }
    expect(first.byteLength).toBe(0); // detached: lent to fetch by the first read
    expect(total).toBe(n);
  });

  it("keep the idle timeout and the abort on BYOB reads", async () => {
    const idle = await fetchTransport({ idleTimeout: 300 }).request({ method: "GET", url: `${servers.url}/stall` });
    const reader = idle.body!.getReader({ mode: "byob" });
    const read = async () => {
      for (;;) if ((await reader.read(new Uint8Array(64 * 1024))).done) return;
    };
    await expect(read()).rejects.toMatchObject({ code: "TIMEOUT" });

    const controller = new AbortController();
    const cut = await fetchTransport().request({
      method: "GET",
      url: `${servers.url}/stall`,
      signal: controller.signal,
    });
    const aborted = cut.body!.getReader({ mode: "byob" });
    await aborted.read(new Uint8Array(64 * 1024));
    const pending = aborted.read(new Uint8Array(64 * 1024));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
  });
});
