// Repositories as people name them: `registry.repo("alpine")` on Docker Hub is the official image under library/
// (the rule parseReference applies, from spec-types), and `client.repo("ghcr.io/org/app")` starts from a reference
// string. Checked by the URLs the client asks for, through a transport that answers every request.
import { isOciError, parseReference } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { handlerTransport, json } from "./helpers/handler-transport.js";

function client() {
  const transport = handlerTransport((request) => json({ name: new URL(request.url).pathname, tags: ["v1"] }));
  return { client: new Client({ transport, store: memoryStore() }), transport };
}

function refusal(call: () => unknown): { code: string; message: string } {
  try {
    call();
  } catch (error) {
    if (isOciError(error)) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("registry.repo on Docker Hub", () => {
  it("puts a one-component name under library/, as docker pull does, and asks the API host for it", async () => {
    const { client: c, transport } = client();
    for (const url of ["docker.io", "https://docker.io", "index.docker.io", "registry-1.docker.io"]) {
      const repo = c.registry(url).repo("alpine");
      expect(repo.name).toBe("library/alpine");
      expect(repo.reference).toBe("docker.io/library/alpine");
    }
    expect(c.registry("docker.io").repo("bitnami/redis").name).toBe("bitnami/redis");
    await c.registry("docker.io").repo("alpine").tags();
    expect(transport.requests.map((r) => r.url)).toEqual([
      "https://registry-1.docker.io/v2/library/alpine/tags/list?n=1000",
    ]);
  });

  it("leaves names alone on every other registry", () => {
    const { client: c } = client();
    expect(c.registry("ghcr.io").repo("alpine").name).toBe("alpine");
    expect(c.registry("localhost:5000").repo("alpine").reference).toBe("localhost:5000/alpine");
  });

  it("names the same repository parseReference does", () => {
    const { client: c } = client();
    for (const text of ["ubuntu", "docker.io/ubuntu", "index.docker.io/ubuntu", "library/ubuntu", "bitnami/redis"]) {
      const ref = parseReference(text, { defaultTag: false });
      expect(c.registry(ref.registry).repo(ref.repository).reference).toBe(ref.name);
    }
  });
});

describe("client.repo(reference)", () => {
  it("takes a reference string: host, path, Docker Hub short names, a scheme", async () => {
    const { client: c, transport } = client();
    const cases: Array<[string, string, string]> = [
      ["ghcr.io/org/app", "ghcr.io/org/app", "https://ghcr.io/v2/org/app/tags/list?n=1000"],
      ["alpine", "docker.io/library/alpine", "https://registry-1.docker.io/v2/library/alpine/tags/list?n=1000"],
      [
        "docker.io/bitnami/redis",
        "docker.io/bitnami/redis",
        "https://registry-1.docker.io/v2/bitnami/redis/tags/list?n=1000",
      ],
      ["localhost:5000/a/b", "localhost:5000/a/b", "http://localhost:5000/v2/a/b/tags/list?n=1000"],
      ["127.0.0.1:5000/a", "127.0.0.1:5000/a", "http://127.0.0.1:5000/v2/a/tags/list?n=1000"],
      ["https://localhost:5000/a", "localhost:5000/a", "https://localhost:5000/v2/a/tags/list?n=1000"],
      [
        "http://registry.internal:5000/a",
        "registry.internal:5000/a",
        "http://registry.internal:5000/v2/a/tags/list?n=1000",
      ],
    ];
    for (const [text, reference, url] of cases) {
      const repo = c.repo(text);
      expect(repo.reference).toBe(reference);
      expect(await repo.tags()).toEqual(["v1"]);
      expect(transport.requests.at(-1)?.url).toBe(url);
    }
  });

  it("binds the registry options (credentials, plain HTTP) like client.registry", async () => {
    const { client: c, transport } = client();
    const repo = c.repo("registry.internal/a", {
      plainHttp: true,
      allowInsecureCredentials: true,
      auth: { type: "basic", username: "u", password: "p" },
    });
    expect(repo.registry.url).toBe("http://registry.internal/");
    await repo.tags();
    expect(transport.requests.at(-1)?.url).toBe("http://registry.internal/v2/a/tags/list?n=1000");
  });

  it("refuses a tag or a digest, saying how to split the reference", () => {
    const { client: c } = client();
    const tagged = refusal(() => c.repo("ghcr.io/org/app:v1"));
    expect(tagged.code).toBe("REFERENCE_INVALID");
    expect(tagged.message).toContain('client.repo("ghcr.io/org/app")');
    expect(tagged.message).toContain('"v1"');
    const digest = `sha256:${"a".repeat(64)}`;
    expect(refusal(() => c.repo(`alpine@${digest}`)).message).toContain(digest);
  });

  it("refuses what is not a reference at once, with an OciError", () => {
    const { client: c } = client();
    for (const bad of ["", "Bad/Name", "ftp://host/a", "ghcr.io/"]) {
      expect(refusal(() => c.repo(bad)).code).toBe("REFERENCE_INVALID");
    }
  });
});
