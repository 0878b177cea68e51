// `Warning` headers (warning-policy.ts): what is read from them, and how often a transport's hook hears each.
import { describe, expect, it } from "vitest";
import { parseWarnings, warningReporter } from "../src/warning-policy.js";

describe("Warning headers", () => {
  it("reads 299 warnings, several per header, commas and escapes inside quotes", () => {
    expect(parseWarnings('299 - "a, b", 299 - "c \\"q\\""')).toEqual(["a, b", 'c "q"']);
    expect(parseWarnings('299 registry.io "x" "Sun, 29 Nov 2026 00:00:00 GMT"')).toEqual(["x"]);
    expect(parseWarnings('110 - "Response is Stale", 299 - "y"')).toEqual(["y"]);
    expect(parseWarnings(null)).toEqual([]);
    expect(parseWarnings("garbage")).toEqual([]);
  });

  it("reports each distinct text once, with its URL, and survives a throwing hook", () => {
    const heard: string[] = [];
    const report = warningReporter(({ text, url }) => {
      heard.push(`${text} @ ${url}`);
      throw new Error("the hook failed");
    });
    report('299 - "a"', "https://r.io/1");
    report('299 - "a", 299 - "b"', "https://r.io/2");
    report(null, "https://r.io/3");
    expect(heard).toEqual(["a @ https://r.io/1", "b @ https://r.io/2"]);
    expect(() => warningReporter(undefined)('299 - "x"', "u")).not.toThrow();
  });
});
