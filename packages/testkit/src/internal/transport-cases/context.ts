// What every group of transport conformance cases gets from describeTransport, and the helpers they share.
import { isOciError, type OciErrorCode, type Transport, type TransportResponse } from "@toci/spec-types";
import { expect } from "vitest";
import type { TransportCapabilities, TransportProfile, TransportServerUrls } from "../../transport-suite.js";

/** The transport under test and the suite's servers, for one group of cases. */
export interface SuiteContext {
  /** False when the adapter declared it cannot (a missing flag means it can). */
  can(flag: keyof TransportCapabilities): boolean;
  /** A transport made with the suite's profile, overridden by `profile`. */
  make(profile?: Partial<TransportProfile>): Transport;
  /** A fresh id, so that the servers' per-id records never mix between cases. */
  id(): string;
  /** A URL on the suite's first origin. */
  at(path: string): string;
  /** The servers' URLs (known once the suite's beforeAll ran). */
  servers(): TransportServerUrls;
  /** How many connections the first origin has accepted so far. */
  stats(transport: Transport): Promise<number>;
}

export async function readAll(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

export async function text(res: TransportResponse): Promise<string> {
  return new TextDecoder().decode(await readAll(res.body));
}

export async function json(res: TransportResponse): Promise<unknown> {
  return JSON.parse(await text(res));
}

export async function expectCode(promise: Promise<unknown>, code: OciErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an OciError ${code}`).toBeDefined();
  expect(isOciError(error), `expected an OciError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

export function pattern(size: number, offset = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (offset + i) % 251;
  return bytes;
}

export function patternStream(size: number, chunk: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      controller.enqueue(pattern(n, sent));
      sent += n;
    },
  });
}
