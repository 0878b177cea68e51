// readResponse: a response's whole body within a cap, through `bytes()` where the transport has it (the stream never
// touched), else through the stream; TOO_LARGE past the cap either way; an empty array without a body.
import { describe, expect, it } from "vitest";
import { isOciError, isWholeBodyResponse, readResponse, type TransportResponse } from "../src/index.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function streamed(body: string | null): TransportResponse {
  return {
    status: 200,
    headers: new Headers(),
    url: "",
    body: body === null ? null : new Blob([body]).stream(),
  };
}

/** A response with `bytes()` whose stream throws when touched. */
function whole(body: string) {
  const asked: number[] = [];
  const response = {
    status: 200,
    headers: new Headers(),
    url: "",
    get body(): ReadableStream<Uint8Array> {
      throw new Error("the stream was touched");
    },
    bytes: async (max: number) => {
      asked.push(max);
      const bytes = new TextEncoder().encode(body);
      return bytes.byteLength > max ? undefined : bytes;
    },
  };
  return { response, asked };
}

describe("readResponse", () => {
  it("reads a stream body, and gives an empty array for no body", async () => {
    expect(isWholeBodyResponse(streamed("x"))).toBe(false);
    expect(text(await readResponse(streamed("hello"), 10))).toBe("hello");
    expect((await readResponse(streamed(null), 10)).byteLength).toBe(0);
  });

  it("uses bytes() with the cap when the response has it, never the stream", async () => {
    const { response, asked } = whole("hello");
    expect(isWholeBodyResponse(response)).toBe(true);
    expect(text(await readResponse(response, 10))).toBe("hello");
    expect(asked).toEqual([10]);
  });

  it("is TOO_LARGE past the cap, either way", async () => {
    for (const response of [streamed("hello world"), whole("hello world").response]) {
      const error = await readResponse(response, 5).catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("TOO_LARGE");
      expect(isOciError(error) && error.detail).toEqual({ limit: 5 });
    }
  });
});
