// What of a URL may be shown (redact.ts): never its userinfo, query or fragment; and the transports' errors, which
// quote the URL of a redirect target, follow the rule.
import { describe, expect, it } from "vitest";
import { redactUrl, redactUrls } from "../src/redact.js";
import { abortError, timeoutError, transportError } from "../src/transport-failure.js";
import { warningReporter } from "../src/warning-policy.js";

const SIGNED = "https://bucket.s3.amazonaws.com/blobs/sha256/ab?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA#frag";

describe("redactUrl", () => {
  it("drops userinfo, query and fragment, keeping where the URL points", () => {
    expect(redactUrl(SIGNED)).toBe("https://bucket.s3.amazonaws.com/blobs/sha256/ab?…");
    expect(redactUrl("https://user:pa@ss@registry.io:5000/v2/?x=1")).toBe("https://…@registry.io:5000/v2/?…");
    expect(redactUrl("http://h/v2/a/blobs/uploads/u?_state=abc&digest=sha256:1")).toBe(
      "http://h/v2/a/blobs/uploads/u?…",
    );
    expect(redactUrl("https://registry.io/v2/")).toBe("https://registry.io/v2/");
    expect(redactUrl("https://registry.io/v2/?")).toBe("https://registry.io/v2/");
    expect(redactUrl("/relative/path?token=x")).toBe("/relative/path?…");
    expect(redactUrl("not a url#x")).toBe("not a url");
  });

  it("redacts every URL inside a text and leaves the rest alone", () => {
    expect(redactUrls(`GET ${SIGNED}: 403 denied`)).toBe(
      "GET https://bucket.s3.amazonaws.com/blobs/sha256/ab?…: 403 denied",
    );
    expect(redactUrls("see https://a.io/x?k=v, and http://u:p@b.io/.")).toBe(
      "see https://a.io/x?…, and http://…@b.io/.",
    );
    expect(redactUrls("no url here ?q=1")).toBe("no url here ?q=1");
  });

  it("keeps a signature out of every error a transport makes, and out of warnings", () => {
    const context = { method: "GET", url: SIGNED };
    const errors = [
      transportError(new Error(`connect ECONNREFUSED while fetching ${SIGNED}`), context),
      transportError(Object.assign(new Error("t"), { name: "TimeoutError" }), context),
      abortError(context),
      timeoutError(context, "no response headers", 10),
    ];
    for (const error of errors) {
      expect(JSON.stringify(error.toJSON())).not.toContain("deadbeef");
      expect(error.message).toContain("https://bucket.s3.amazonaws.com/blobs/sha256/ab?…");
      expect(error.url).toBe("https://bucket.s3.amazonaws.com/blobs/sha256/ab?…");
    }
    const heard: string[] = [];
    warningReporter((w) => heard.push(w.url))('299 - "slow down"', SIGNED);
    expect(heard).toEqual(["https://bucket.s3.amazonaws.com/blobs/sha256/ab?…"]);
  });
});
