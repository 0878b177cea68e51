// The errors every reader here throws: an archive that breaks the format is the caller's INVALID_ARGUMENT, a cap
// crossed is TOO_LARGE. Anything thrown by code we call is turned into one of these (never a TypeError).
import { isOciError, OciError, toOciError } from "@toci/spec-types";

/** An archive that breaks its format. */
export function invalid(message: string, detail?: Record<string, unknown>): OciError {
  return new OciError("INVALID_ARGUMENT", message, detail ? { detail } : {});
}

/** A cap crossed. */
export function tooLarge(what: string, limit: number): OciError {
  return new OciError("TOO_LARGE", `${what} is over the ${limit}-byte limit`, { detail: { limit } });
}

/** The error for a stream that ended early. */
export function truncated(where: string): OciError {
  return invalid(`the archive is truncated (${where})`);
}

/** An OciError as it is; anything else as INVALID_ARGUMENT with the original as cause. */
export function asInvalid(error: unknown, message: string): OciError {
  return isOciError(error) ? error : toOciError(error, "INVALID_ARGUMENT", message);
}
