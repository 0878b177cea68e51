// The logger the client reports to. Network, protocol and store failures never throw out of the client's calls;
// they come back as undefined / false / [] / a `failed` event, and every one of them is also logged here at error
// level with its OciError, so a caller that only checks for `undefined` can still see why.

/** Structured context attached to a log line (the OciError, the registry, the repository, a digest, ...). */
export type LogFields = Record<string, unknown>;

/** Receives the client's log lines. Each method gets a message and optional structured fields. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default, since a library should not write to the console uninvited. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/** A logger that writes warnings and errors (or everything, with `level: "debug"`) to the console. */
export function consoleLogger(level: "debug" | "info" | "warn" | "error" = "warn"): Logger {
  const order = ["debug", "info", "warn", "error"] as const;
  const min = order.indexOf(level);
  const at =
    (l: (typeof order)[number]) =>
    (message: string, fields?: LogFields): void => {
      if (order.indexOf(l) < min) return;
      const write = l === "error" ? console.error : l === "warn" ? console.warn : console.log;
      if (fields && Object.keys(fields).length) write(`[toci] ${message}`, fields);
      else write(`[toci] ${message}`);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
