// What `toci inspect` shows, as a document (its --json) and as a table for people: an index's platforms with their
// sizes, or an image's platform, creation time, size, config settings and layers (as `regctl image inspect` and
// `skopeo inspect` show them). Every string here was written by a stranger (the registry, the image's author): the
// table escapes control characters so that a label cannot drive the terminal.
import { type Descriptor, formatPlatform, type Index, type Manifest } from "@toci/spec-types";
import { formatBytes } from "./output.js";

/** A manifest's or index's own fields, common to both views. */
interface Head {
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An index: its manifests, each with its platform and the size of its image when it was read. */
export interface IndexView extends Head {
  manifests: Array<{
    platform: string | null;
    digest: string;
    mediaType: string;
    size: number;
    artifactType?: string;
    /** The image's bytes (manifest, config and layers), when its manifest was read. */
    imageSize: number | null;
  }>;
}

/** The settings of an image's config that people look for (image-spec config.md, `config`). */
export interface ConfigView {
  digest: string;
  mediaType: string;
  size: number;
  author?: string;
  user?: string;
  workingDir?: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  exposedPorts?: string[];
  labels?: Record<string, string>;
}

/** An image (or artifact) manifest. */
export interface ImageView extends Head {
  platform: string | null;
  created: string | null;
  /** Manifest, config and layers, in bytes. */
  totalSize: number;
  config: ConfigView;
  layers: Array<{ digest: string; mediaType: string; size: number; annotations?: Record<string, string> }>;
}

function head(reference: string, descriptor: Descriptor, manifest: Manifest | Index): Head {
  const out: Head = { reference, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size };
  if (manifest.artifactType) out.artifactType = manifest.artifactType;
  if (manifest.annotations) out.annotations = manifest.annotations;
  return out;
}

/** An index's view; `images` holds the image manifests read so far, by digest. */
export function indexView(
  reference: string,
  root: { descriptor: Descriptor; manifest: Index },
  images: ReadonlyMap<string, Manifest>,
): IndexView {
  return {
    ...head(reference, root.descriptor, root.manifest),
    manifests: root.manifest.manifests.map((child) => {
      const image = images.get(child.digest);
      return {
        platform: child.platform ? formatPlatform(child.platform) : null,
        digest: child.digest,
        mediaType: child.mediaType,
        size: child.size,
        ...(child.artifactType ? { artifactType: child.artifactType } : {}),
        imageSize: image ? imageBytes(child, image) : null,
      };
    }),
  };
}

/** The bytes of an image: its manifest, config and layers. */
export function imageBytes(descriptor: Descriptor, manifest: Manifest): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, descriptor.size + manifest.config.size);
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The config's settings, each taken only when it has the type the spec gives it. */
function configView(descriptor: Descriptor, config: Record<string, unknown> | undefined): ConfigView {
  const settings = record(config?.["config"]);
  const labels = record(settings?.["Labels"]);
  const view: ConfigView = { digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size };
  const fields: Partial<ConfigView> = {
    author: text(config?.["author"]),
    user: text(settings?.["User"]),
    workingDir: text(settings?.["WorkingDir"]),
    entrypoint: strings(settings?.["Entrypoint"]),
    cmd: strings(settings?.["Cmd"]),
    env: strings(settings?.["Env"]),
    exposedPorts: record(settings?.["ExposedPorts"]) && Object.keys(record(settings?.["ExposedPorts"])!),
    labels:
      labels &&
      (Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === "string")) as Record<string, string>),
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(view, { [key]: value });
  return view;
}

/** An image's view, from its manifest and (for an image, not an artifact) its parsed config. */
export function imageView(
  reference: string,
  read: { descriptor: Descriptor; manifest: Manifest },
  config: Record<string, unknown> | undefined,
): ImageView {
  const { descriptor, manifest } = read;
  const [os, architecture, variant] = [config?.["os"], config?.["architecture"], config?.["variant"]].map(text);
  const platform =
    os && architecture
      ? formatPlatform({ os, architecture, ...(variant ? { variant } : {}) })
      : descriptor.platform
        ? formatPlatform(descriptor.platform)
        : null;
  return {
    ...head(reference, descriptor, manifest),
    platform,
    created: text(config?.["created"]) ?? null,
    totalSize: imageBytes(descriptor, manifest),
    config: configView(manifest.config, config),
    layers: manifest.layers.map((layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      ...(layer.annotations ? { annotations: layer.annotations } : {}),
    })),
  };
}

/** A stranger's string made safe for a terminal: control characters shown escaped. */
export function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `key  value` lines, keys padded to one column; a list value continues on the lines below. */
function fields(rows: Array<[string, string | string[] | undefined]>): string[] {
  const present = rows.filter(([, v]) => v !== undefined && (!Array.isArray(v) || v.length > 0));
  const width = Math.max(...present.map(([k]) => k.length));
  return present.flatMap(([key, value]) => {
    const values = Array.isArray(value) ? value : [value!];
    return values.map((v, i) => `${(i === 0 ? key : "").padEnd(width)}  ${clean(v)}`);
  });
}

/** Rows of cells as aligned columns (the last one unpadded). */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

const sized = (bytes: number) => `${formatBytes(bytes)} (${bytes} bytes)`;

function headLines(view: Head): Array<[string, string | string[] | undefined]> {
  return [
    ["reference", view.reference],
    ["digest", view.digest],
    ["media type", view.mediaType],
    ["artifact type", view.artifactType],
    ["annotations", Object.entries(view.annotations ?? {}).map(([k, v]) => `${k}=${v}`)],
  ];
}

/** An index as people read it: its fields, then one row per manifest. */
export function indexLines(view: IndexView): string[] {
  const rows = view.manifests.map((m) => [
    clean(m.platform ?? m.artifactType ?? "-"),
    m.imageSize === null ? "?" : formatBytes(m.imageSize),
    m.digest,
    clean(m.mediaType),
  ]);
  return [
    ...fields([...headLines(view), ["manifests", String(view.manifests.length)]]),
    "",
    ...table([["PLATFORM", "SIZE", "DIGEST", "MEDIA TYPE"], ...rows]),
  ];
}

/** An image as people read it: its fields and config settings, then one row per layer. */
export function imageLines(view: ImageView): string[] {
  const { config } = view;
  const json = (value: string[] | undefined) => (value ? JSON.stringify(value) : undefined);
  const rows = view.layers.map((layer, i) => [
    String(i + 1),
    formatBytes(layer.size),
    layer.digest,
    clean(layer.mediaType),
  ]);
  return [
    ...fields([
      ...headLines(view),
      ["platform", view.platform ?? undefined],
      ["created", view.created ?? undefined],
      ["size", `${sized(view.totalSize)}: manifest, config and ${view.layers.length} layer(s)`],
      ["config", `${config.digest} (${formatBytes(config.size)}, ${config.mediaType})`],
      ["author", config.author],
      ["user", config.user],
      ["workdir", config.workingDir],
      ["entrypoint", json(config.entrypoint)],
      ["cmd", json(config.cmd)],
      ["env", config.env],
      ["ports", config.exposedPorts],
      ["labels", Object.entries(config.labels ?? {}).map(([k, v]) => `${k}=${v}`)],
    ]),
    "",
    ...table([["LAYER", "SIZE", "DIGEST", "MEDIA TYPE"], ...rows]),
  ];
}
