// A real single-platform image, built offline in Node: one tar+gzip layer holding one file, an OCI config whose
// diff_ids match the uncompressed tar, and an OCI manifest. Enough for skopeo and umoci to accept it.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { type Descriptor, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, type Store } from "@toci/spec-types";
import { put } from "@toci/testkit/store-suite";

/** A ustar archive with one regular file (POSIX.1-1988 header, two zero blocks at the end). */
export function tar(name: string, content: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  const field = (offset: number, length: number, value: string) => {
    header.set(new TextEncoder().encode(value).subarray(0, length), offset);
  };
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, "0")}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, "        "); // the checksum is computed with its own field as spaces
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  const sum = header.reduce((a, b) => a + b, 0);
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const padded = Math.ceil(content.length / 512) * 512;
  const out = new Uint8Array(512 + padded + 1024);
  out.set(header, 0);
  out.set(content, 512);
  return out;
}

/** Stores the image and returns its manifest descriptor (and the layer's). */
export async function putRealImage(
  store: Store,
  file: string,
  body: string,
  architecture = "amd64",
): Promise<{ manifest: Descriptor }> {
  const archive = tar(file, new TextEncoder().encode(body));
  const diffId = `sha256:${createHash("sha256").update(archive).digest("hex")}`;
  const layer = await put(store, gzipSync(archive), OCI_LAYER_GZIP);
  const config = await put(
    store,
    new TextEncoder().encode(
      JSON.stringify({
        created: "1970-01-01T00:00:00Z",
        architecture,
        os: "linux",
        config: { Cmd: ["/bin/sh"] },
        rootfs: { type: "layers", diff_ids: [diffId] },
        history: [{ created: "1970-01-01T00:00:00Z", created_by: "toci test" }],
      }),
    ),
    OCI_CONFIG,
  );
  const manifest = await put(
    store,
    new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })),
    OCI_MANIFEST,
  );
  return { manifest };
}
