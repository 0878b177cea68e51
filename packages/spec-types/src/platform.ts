// Platforms (image-spec v1.1.1 image-index.md "platform"), with the normalisations containerd applies
// (containerd/platforms): aarch64 → arm64, x86_64 → amd64, arm64's default variant v8, arm's default v7.
import { OciError } from "./errors.js";

/** The platform a manifest in an index runs on. */
export interface Platform {
  /** CPU architecture, as Go's GOARCH (`amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, `riscv64`, ...). */
  architecture: string;
  /** Operating system, as Go's GOOS (`linux`, `windows`, `darwin`, ...). */
  os: string;
  /** Operating system version (`10.0.14393.1066` on Windows). */
  "os.version"?: string;
  /** Required operating system features (`win32k`). */
  "os.features"?: string[];
  /** CPU variant (`v7`, `v8`, ...). */
  variant?: string;
  /** Docker manifest lists: CPU features (reserved in OCI). */
  features?: string[];
}

/** A predicate choosing a platform; the first manifest of an index it accepts wins (image-spec). */
export type PlatformMatcher = (platform: Platform) => boolean;

const ARCH_ALIASES: Readonly<Record<string, { architecture: string; variant?: string }>> = {
  x86_64: { architecture: "amd64" },
  "x86-64": { architecture: "amd64" },
  aarch64: { architecture: "arm64" },
  armhf: { architecture: "arm", variant: "v7" },
  armel: { architecture: "arm", variant: "v6" },
  i386: { architecture: "386" },
  i686: { architecture: "386" },
};

/**
 * A platform in canonical form: lowercase os and architecture, aliases resolved, and default variants dropped
 * (`arm64/v8` → `arm64`, `amd64/v1` → `amd64`) except arm's, which defaults to `v7` and is always spelled out.
 */
export function normalizePlatform(platform: Platform): Platform {
  let os = platform.os.toLowerCase();
  if (os === "macos") os = "darwin";
  let architecture = platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase();
  const alias = ARCH_ALIASES[architecture];
  if (alias) {
    architecture = alias.architecture;
    variant = variant ?? alias.variant;
  }
  if (architecture === "arm64" && (variant === "v8" || variant === "8")) variant = undefined;
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  if (architecture === "arm") {
    if (variant === undefined || variant === "") variant = "v7";
    else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
  }
  const out: Platform = { ...platform, os, architecture };
  if (variant) out.variant = variant;
  else delete out.variant;
  return out;
}

/**
 * Parses `os/arch[/variant]` (`linux/arm64`, `linux/arm/v7`). Throws `INVALID_ARGUMENT` on anything else.
 * The result is not normalised; matching normalises both sides.
 */
export function parsePlatform(value: string): Platform {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new OciError("INVALID_ARGUMENT", `invalid platform ${JSON.stringify(value)}: expected os/arch[/variant]`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

/**
 * Whether `candidate` satisfies `wanted` after normalising both: os and architecture equal, and the variant
 * equal when `wanted` names one (`linux/arm64/v8` and `linux/arm64` are the same platform). A `wanted` without a
 * variant accepts any variant, so `linux/arm` takes the first arm entry. `os.version` is compared only when
 * `wanted` has one.
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return false;
  if (wanted.variant !== undefined && w.variant !== c.variant) return false;
  if (w["os.version"] !== undefined && w["os.version"] !== c["os.version"]) return false;
  return true;
}

/** A matcher for a platform given as an object or as `os/arch[/variant]`. */
export function platformMatcher(wanted: Platform | string): PlatformMatcher {
  const w = typeof wanted === "string" ? parsePlatform(wanted) : wanted;
  return (candidate) => platformMatches(w, candidate);
}

/**
 * Returns the index of the first entry whose platform the matcher accepts, or -1 (image-spec image-index.md:
 * when several match, the first SHOULD be used). Entries without a platform are skipped.
 */
export function selectPlatform<T extends { platform?: Platform }>(
  entries: readonly T[],
  matcher: PlatformMatcher,
): number {
  for (let i = 0; i < entries.length; i++) {
    const platform = entries[i]?.platform;
    if (platform && matcher(platform)) return i;
  }
  return -1;
}
