// References, following distribution/reference (reference.go, normalize.go):
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain '/'] remote-name
//   domain           := host [':' port-number]
//   host             := domain-name | IPv4address | '[' IPv6address ']'
//   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   path-component   := alpha-numeric [separator alpha-numeric]*
//   separator        := /[_.]|__|[-]+/
//   tag              := /[\w][\w.-]{0,127}/
// with Docker Hub's normalisation: a first component that has no '.' or ':' and is not `localhost` is not a
// host, so `ubuntu` is `docker.io/library/ubuntu:latest` and `index.docker.io` is `docker.io`.
import { type Digest, parseDigest } from "./digest.js";
import { OciError } from "./errors.js";

/** The registry that names without a host refer to. */
export const DOCKER_HUB = "docker.io";
/** The host that serves Docker Hub's registry API. `docker.io` itself only redirects. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Docker Hub's legacy host name in references, which means `docker.io`. */
const LEGACY_DOCKER_HUB = "index.docker.io";
/** The tag a reference without a tag or a digest gets. */
export const DEFAULT_TAG = "latest";

/** The longest name (host + '/' + repository) distribution accepts (reference.NameTotalLengthMax). */
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IPV6 = "\\[[a-fA-F0-9:]+\\]";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** A parsed reference: where content lives (registry and repository) and which (tag and/or digest). */
export class Reference {
  /** The registry host, with its port when it has one (`docker.io`, `localhost:5000`, `[::1]:5000`). */
  readonly registry: string;
  /** The repository path (`library/ubuntu`). */
  readonly repository: string;
  /** The tag, when the reference has one. */
  readonly tag: string | undefined;
  /** The digest, when the reference has one. A digest wins over a tag for what is fetched. */
  readonly digest: Digest | undefined;

  constructor(registry: string, repository: string, tag?: string, digest?: Digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /** What to ask the registry for: the digest when there is one, else the tag, else "". */
  get reference(): string {
    return this.digest ?? this.tag ?? "";
  }

  /** `registry/repository`, without tag or digest. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The same repository with another tag (and no digest). */
  withTag(tag: string): Reference {
    if (!TAG.test(tag)) throw new OciError("REFERENCE_INVALID", `invalid tag ${JSON.stringify(tag)}`);
    return new Reference(this.registry, this.repository, tag);
  }

  /** The same repository at a digest (the tag is kept, for display). */
  withDigest(digest: string): Reference {
    return new Reference(this.registry, this.repository, this.tag, parseDigest(digest).digest);
  }

  /** `registry/repository[:tag][@digest]`; {@link parseReference} of it gives an equal reference. */
  toString(): string {
    return `${this.name}${this.tag === undefined ? "" : `:${this.tag}`}${this.digest === undefined ? "" : `@${this.digest}`}`;
  }

  /** Whether two references are equal field by field. */
  equals(other: Reference): boolean {
    return (
      this.registry === other.registry &&
      this.repository === other.repository &&
      this.tag === other.tag &&
      this.digest === other.digest
    );
  }
}

/** Options for {@link parseReference}. */
export interface ParseReferenceOptions {
  /**
   * The registry of a name without a host (`ubuntu`). `false` refuses such names instead.
   * @default "docker.io" (with `library/` prepended to single-component names, as Docker does)
   */
  defaultRegistry?: string | false;
  /**
   * The tag of a reference with neither a tag nor a digest. `false` leaves it without one (for commands that
   * take a repository, like `toci tags`).
   * @default "latest"
   */
  defaultTag?: string | false;
}

/**
 * Parses a reference (`ghcr.io/org/app:v1`, `localhost:5000/a/b@sha256:…`, `ubuntu`). Throws an
 * {@link OciError} with code `REFERENCE_INVALID` (or `DIGEST_INVALID` for a bad digest) when it does not parse.
 */
export function parseReference(value: string, options: ParseReferenceOptions = {}): Reference {
  const defaultRegistry = options.defaultRegistry ?? DOCKER_HUB;
  const defaultTag = options.defaultTag ?? DEFAULT_TAG;
  if (typeof value !== "string" || value.length === 0) fail(value, "empty reference");
  if (value.length > 1024) fail(value, "too long");

  let rest = value;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = parseDigestOf(value, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }

  // The host is the first component when it looks like one; the tag follows the last ':' after the last '/'.
  let registry: string;
  let path: string;
  const slash = rest.indexOf("/");
  const first = slash === -1 ? "" : rest.slice(0, slash);
  if (
    slash !== -1 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())
  ) {
    registry = first;
    path = rest.slice(slash + 1);
  } else {
    if (defaultRegistry === false) fail(value, "no registry host");
    registry = defaultRegistry;
    path = rest;
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon !== -1) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) fail(value, `invalid tag ${JSON.stringify(tag)}`);
  }

  if (!DOMAIN.test(registry)) fail(value, `invalid registry host ${JSON.stringify(registry)}`);
  registry = normalizeRegistry(registry);
  path = normalizeRepository(registry, path);
  if (path !== path.toLowerCase()) fail(value, "repository names must be lowercase");
  if (!REPOSITORY.test(path)) fail(value, `invalid repository name ${JSON.stringify(path)}`);
  if (registry.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    fail(value, `name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (tag === undefined && digest === undefined && defaultTag !== false) tag = defaultTag;
  return new Reference(registry, path, tag, digest);
}

/**
 * The name a registry host goes by in references: Docker Hub's legacy `index.docker.io` is `docker.io`
 * (distribution/reference normalize.go, `legacyDefaultDomain`); any other host is itself.
 */
export function normalizeRegistry(host: string): string {
  return host === LEGACY_DOCKER_HUB ? DOCKER_HUB : host;
}

/**
 * A repository name as the registry knows it: on Docker Hub (`docker.io`, see {@link normalizeRegistry}) a name of
 * one component is an official image under `library/` (`alpine` is `library/alpine`), as Docker does
 * (distribution/reference normalize.go, `officialRepoPrefix`); elsewhere names are taken as they are. The one rule
 * behind {@link parseReference} and `registry.repo(name)` of `@toci/client`.
 */
export function normalizeRepository(registry: string, repository: string): string {
  return registry === DOCKER_HUB && !repository.includes("/") ? `library/${repository}` : repository;
}

/** Whether `value` is a valid tag (`[\w][\w.-]{0,127}`, distribution-spec "Pulling manifests"). */
export function isTag(value: unknown): value is string {
  return typeof value === "string" && TAG.test(value);
}

/** Whether `value` is a valid repository name (distribution-spec `<name>`, without the host). */
export function isRepositoryName(value: unknown): value is string {
  return typeof value === "string" && value.length <= NAME_TOTAL_LENGTH_MAX && REPOSITORY.test(value);
}

function parseDigestOf(value: string, digest: string): Digest {
  try {
    return parseDigest(digest).digest;
  } catch (cause) {
    throw new OciError("REFERENCE_INVALID", `invalid reference ${JSON.stringify(clip(value))}: invalid digest`, {
      cause,
    });
  }
}

function fail(value: unknown, why: string): never {
  throw new OciError(
    "REFERENCE_INVALID",
    `invalid reference ${typeof value === "string" ? JSON.stringify(clip(value)) : `(${typeof value})`}: ${why}`,
  );
}

function clip(value: string): string {
  return value.length > 120 ? `${value.slice(0, 120)}…` : value;
}
