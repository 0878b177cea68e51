// The Content-Type of a stored file. A layer's media type says what the blob is to OCI; a browser needs what it is
// to the web (a module script is executed only as JavaScript, WebAssembly.instantiateStreaming wants
// application/wasm). So a specific media type (image/png, text/html) is used as it is, and a generic one (an OCI
// layer type, octet-stream, a vendor type) gives way to the file name's extension.
import { isValidMediaType } from "@toci/spec-types";

const BY_EXTENSION = new Map<string, string>(
  Object.entries({
    html: "text/html; charset=utf-8",
    htm: "text/html; charset=utf-8",
    js: "text/javascript; charset=utf-8",
    mjs: "text/javascript; charset=utf-8",
    css: "text/css; charset=utf-8",
    json: "application/json",
    map: "application/json",
    wasm: "application/wasm",
    txt: "text/plain; charset=utf-8",
    md: "text/markdown; charset=utf-8",
    csv: "text/csv; charset=utf-8",
    xml: "application/xml",
    svg: "image/svg+xml",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    gif: "image/gif",
    webp: "image/webp",
    avif: "image/avif",
    ico: "image/x-icon",
    pdf: "application/pdf",
    mp4: "video/mp4",
    webm: "video/webm",
    mp3: "audio/mpeg",
    wav: "audio/wav",
    ogg: "audio/ogg",
    woff: "font/woff",
    woff2: "font/woff2",
    ttf: "font/ttf",
    otf: "font/otf",
    zip: "application/zip",
    gz: "application/gzip",
    tgz: "application/gzip",
    tar: "application/x-tar",
  }),
);

const OCTET_STREAM = "application/octet-stream";

/** Whether a media type says nothing a browser can use. */
function isGeneric(mediaType: string): boolean {
  const m = mediaType.toLowerCase();
  return m === OCTET_STREAM || m.startsWith("application/vnd.") || m.startsWith("application/x.");
}

/** The Content-Type for a file called `name` stored with `mediaType`. */
export function contentType(name: string, mediaType: string | undefined): string {
  const valid = isValidMediaType(mediaType) ? mediaType : undefined;
  if (valid !== undefined && !isGeneric(valid)) return valid;
  const dot = name.lastIndexOf(".");
  const byName = dot > name.lastIndexOf("/") ? BY_EXTENSION.get(name.slice(dot + 1).toLowerCase()) : undefined;
  return byName ?? valid ?? OCTET_STREAM;
}
