// An emulated referrers API (distribution-spec v1.1 "Listing Referrers") for a registry without one, like
// distribution 2.8.2 (its router answers 404 text/plain). The proxy learns referrers from manifests with a
// `subject` PUT through it, answers `OCI-Subject` on those PUTs, and serves
// GET /v2/<name>/referrers/<digest>[?artifactType=] as an OCI index, paged with `Link` when `pageSize` is set,
// with `OCI-Filters-Applied: artifactType` when filtered.
import { createHash } from "node:crypto";
import { type Descriptor, type Digest, OCI_INDEX } from "@toci/spec-types";

/** Options of the emulated referrers API. */
export interface ReferrersOptions {
  /** Most descriptors per page; unset = one page. */
  pageSize?: number;
  /** Apply `artifactType` filters and say so in `OCI-Filters-Applied`. @default true */
  filter?: boolean;
}

/** The referrers the proxy knows, per repository and subject. */
export class ReferrersRegistry {
  readonly #byRepo = new Map<string, Map<string, Map<string, Descriptor>>>();
  enabled = false;
  options: ReferrersOptions = {};

  /** Learns from a manifest body PUT to `repo`; returns the subject digest when it has one. */
  learn(repo: string, body: Buffer, contentType: string | undefined, digest?: string): string | undefined {
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(body.toString("utf8"));
    } catch {
      return undefined;
    }
    const subject = manifest.subject as Descriptor | undefined;
    if (!subject || typeof subject.digest !== "string") return undefined;
    const config = manifest.config as Descriptor | undefined;
    const descriptor: Descriptor = {
      mediaType: (manifest.mediaType as string | undefined) ?? contentType?.split(";")[0] ?? "",
      digest: (digest ?? `sha256:${createHash("sha256").update(body).digest("hex")}`) as Digest,
      size: body.length,
    };
    const artifactType = (manifest.artifactType as string | undefined) ?? config?.mediaType;
    if (artifactType) descriptor.artifactType = artifactType;
    if (manifest.annotations) descriptor.annotations = manifest.annotations as Record<string, string>;
    const subjects = this.#byRepo.get(repo) ?? new Map<string, Map<string, Descriptor>>();
    this.#byRepo.set(repo, subjects);
    const list = subjects.get(subject.digest) ?? new Map<string, Descriptor>();
    subjects.set(subject.digest, list);
    list.set(descriptor.digest, descriptor);
    return subject.digest;
  }

  /** Forgets a deleted manifest. */
  forget(repo: string, digest: string): void {
    for (const list of this.#byRepo.get(repo)?.values() ?? []) list.delete(digest);
  }

  /** The referrers of `subject` in `repo`, sorted by digest. */
  list(repo: string, subject: string): Descriptor[] {
    const list = this.#byRepo.get(repo)?.get(subject);
    return list ? [...list.values()].sort((a, b) => (a.digest < b.digest ? -1 : 1)) : [];
  }

  /** The answer to GET /v2/<repo>/referrers/<subject> with the given query. */
  page(repo: string, subject: string, query: URLSearchParams, path: string) {
    const headers: Record<string, string> = { "content-type": OCI_INDEX };
    let entries = this.list(repo, subject);
    const artifactType = query.get("artifactType");
    if (artifactType && this.options.filter !== false) {
      entries = entries.filter((d) => d.artifactType === artifactType);
      headers["oci-filters-applied"] = "artifactType";
    }
    const last = query.get("last");
    if (last) entries = entries.filter((d) => d.digest > last);
    const size = this.options.pageSize;
    if (size !== undefined && entries.length > size) {
      entries = entries.slice(0, size);
      const next = new URLSearchParams(query);
      next.set("last", entries[entries.length - 1]!.digest);
      headers.link = `<${path}?${next}>; rel="next"`;
    }
    const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries });
    return { headers, body };
  }
}
