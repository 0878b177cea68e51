// Reading credentials as docker, oras and crane read them: key spellings, Docker Hub's key, the entry kinds, helpers
// (credHelpers before credsStore, the helper before auths, `<token>` users), and helpers that misbehave.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY, dockerCredentials, registryHost, registryKey } from "../src/index.js";
import { base64, configDir, errorText, fileHelper, helperEntry, ociError, script, tempDir } from "./helpers.js";

const basic = (username: string, password: string) => ({ type: "basic", username, password });

describe("registry keys", () => {
  it("reduces keys to hosts, and every Docker Hub name to docker.io", () => {
    expect(registryHost("https://index.docker.io/v1/")).toBe("docker.io");
    expect(registryHost("registry-1.docker.io")).toBe("docker.io");
    expect(registryHost("HTTP://LocalHost:5000/v2/")).toBe("localhost:5000");
    expect(registryHost(" ghcr.io ")).toBe("ghcr.io");
    expect(registryKey("docker.io")).toBe(DOCKER_HUB_KEY);
    expect(registryKey("https://registry-1.docker.io")).toBe(DOCKER_HUB_KEY);
    expect(registryKey("ghcr.io")).toBe("ghcr.io");
  });
});

describe("dockerCredentials: config.json auths", () => {
  it("finds Docker Hub under each of its spellings, asked by each of its names", async () => {
    for (const key of [
      DOCKER_HUB_KEY,
      "docker.io",
      "registry-1.docker.io",
      "https://index.docker.io",
      "index.docker.io/v2/",
    ]) {
      const credentials = dockerCredentials({ configDir: configDir({ auths: { [key]: { auth: base64("hub:s") } } }) });
      for (const name of ["docker.io", "registry-1.docker.io", "index.docker.io", DOCKER_HUB_KEY]) {
        expect(await credentials(name), `${key} asked as ${name}`).toEqual(basic("hub", "s"));
      }
      expect(await credentials("ghcr.io")).toBeUndefined();
    }
  });

  it("matches keys with schemes, ports, paths and any case by host and port only", async () => {
    const credentials = dockerCredentials({
      configDir: configDir({
        auths: {
          "HTTPS://Reg.Example:5000/v2/": { auth: base64("port:5000") },
          "http://reg.example/some/deep/path": { auth: base64("plain:host") },
          "https://user@other.example/": { auth: base64("x:y") },
        },
      }),
    });
    expect(await credentials("reg.example:5000")).toEqual(basic("port", "5000"));
    expect(await credentials("https://reg.example:5000")).toEqual(basic("port", "5000"));
    expect(await credentials("reg.example")).toEqual(basic("plain", "host"));
    expect(await credentials("reg.example:5001")).toBeUndefined();
    // docker's ConvertToHostname keeps user info: that key names no registry anyone asks for.
    expect(await credentials("other.example")).toBeUndefined();
  });

  it("reads each entry kind: registrytoken, identitytoken, auth, username/password; and none", async () => {
    const credentials = dockerCredentials({
      configDir: configDir({
        auths: {
          "a.example": { username: "u", password: "p" },
          "b.example": { auth: base64("ignored:x"), identitytoken: "refresh-me" },
          "c.example": { registrytoken: "bearer-me", identitytoken: "not-this" },
          "d.example": { auth: base64("user:pa:ss\0\0") },
          "e.example": { email: "only@example.com" },
          "f.example": { username: "u" },
          "g.example": null,
        },
      }),
    });
    expect(await credentials("a.example")).toEqual(basic("u", "p"));
    expect(await credentials("b.example")).toEqual({ type: "refresh-token", refreshToken: "refresh-me" });
    expect(await credentials("c.example")).toEqual({ type: "bearer", token: "bearer-me" });
    // Split at the first colon; NUL padding trimmed, as docker's decodeAuth does.
    expect(await credentials("d.example")).toEqual(basic("user", "pa:ss"));
    for (const host of ["e.example", "f.example", "g.example", "h.example"]) {
      expect(await credentials(host)).toBeUndefined();
    }
  });

  it("reads the file on every call (a login in between is seen) and honours DOCKER_CONFIG by default", async () => {
    const dir = configDir({});
    const credentials = dockerCredentials({ configDir: dir });
    expect(await credentials("reg.example")).toBeUndefined();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "reg.example": { auth: base64("a:b") } } }));
    expect(await credentials("reg.example")).toEqual(basic("a", "b"));
    const saved = process.env["DOCKER_CONFIG"];
    process.env["DOCKER_CONFIG"] = dir;
    try {
      expect(await dockerCredentials()("reg.example")).toEqual(basic("a", "b"));
    } finally {
      if (saved === undefined) delete process.env["DOCKER_CONFIG"];
      else process.env["DOCKER_CONFIG"] = saved;
    }
  });

  it("refuses what names no registry, and bad options, with INVALID_ARGUMENT", async () => {
    const credentials = dockerCredentials({ configDir: configDir({}) });
    for (const bad of ["", "  ", "https://", undefined, 5]) {
      expect((await ociError(credentials(bad as string))).code).toBe("INVALID_ARGUMENT");
    }
    expect(() => dockerCredentials({ helperTimeout: 0 })).toThrow(/helperTimeout/);
    expect(() => dockerCredentials({ helpers: { x: "" } })).toThrow(/helpers\["x"\]/);
  });
});

describe("dockerCredentials: credential helpers", () => {
  it("asks credHelpers before credsStore, the helper before auths, with Docker's key for Docker Hub", async () => {
    const data = tempDir();
    helperEntry(data, "reg.example", "from", "helper");
    helperEntry(data, DOCKER_HUB_KEY, "hub", "helper");
    const credentials = dockerCredentials({
      // credsStore names a helper that does not exist: credHelpers must win without running it.
      configDir: configDir({
        credsStore: "missing",
        credHelpers: { "https://reg.example/": "file", "docker.io": "file" },
        auths: { "reg.example": { auth: base64("from:file") } },
      }),
      helpers: { file: fileHelper(data) },
    });
    expect(await credentials("reg.example")).toEqual(basic("from", "helper"));
    expect(await credentials("registry-1.docker.io")).toEqual(basic("hub", "helper"));
    expect(readFileSync(join(data, "log"), "utf8")).toBe(`get reg.example\nget ${DOCKER_HUB_KEY}\n`);
    // Another registry goes to credsStore, which cannot be run.
    const error = await ociError(credentials("other.example"));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("docker-credential-missing cannot be run");
  });

  it("falls back to auths when the helper holds nothing; an empty credHelpers entry means the file", async () => {
    const data = tempDir();
    const credentials = dockerCredentials({
      configDir: configDir({
        credsStore: "file",
        credHelpers: { "plain.example": "" },
        auths: { "reg.example": { auth: base64("from:file") }, "plain.example": { auth: base64("p:p") } },
      }),
      helpers: { file: fileHelper(data) },
    });
    expect(await credentials("reg.example")).toEqual(basic("from", "file"));
    expect(await credentials("none.example")).toBeUndefined();
    expect(await credentials("plain.example")).toEqual(basic("p", "p"));
    expect(readFileSync(join(data, "log"), "utf8")).toBe("get reg.example\nget none.example\n");
  });

  it("reads a helper's <token> user (or none) as a refresh token", async () => {
    const data = tempDir();
    helperEntry(data, "a.example", "<token>", "refresh-a");
    helperEntry(data, "b.example", "", "refresh-b");
    const credentials = dockerCredentials({
      configDir: configDir({ credsStore: "file" }),
      helpers: { file: fileHelper(data) },
    });
    expect(await credentials("a.example")).toEqual({ type: "refresh-token", refreshToken: "refresh-a" });
    expect(await credentials("b.example")).toEqual({ type: "refresh-token", refreshToken: "refresh-b" });
  });

  it("runs docker-credential-<name> from PATH when the helpers option does not name it", async () => {
    const program = script(`cat >/dev/null; echo '{"Username":"on","Secret":"path"}'`, "docker-credential-onpath");
    const saved = process.env["PATH"];
    process.env["PATH"] = `${join(program, "..")}:${saved}`;
    try {
      const credentials = dockerCredentials({ configDir: configDir({ credsStore: "onpath" }) });
      expect(await credentials("reg.example")).toEqual(basic("on", "path"));
    } finally {
      process.env["PATH"] = saved;
    }
  });

  it.each([
    ["a path", "../../tmp/evil"],
    ["an absolute path", "/bin/sh"],
    ["a space", "a b"],
    ["a newline", "a\nb"],
    ["an empty-looking name", "."],
  ])("refuses a helper name with %s, for its registry only, running nothing", async (_what, name) => {
    const dir = configDir({
      credHelpers: { "bad.example": name },
      auths: { "good.example": { auth: base64("g:g") } },
    });
    const credentials = dockerCredentials({ configDir: dir });
    const error = await ociError(credentials("bad.example"));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(`${join(dir, "config.json")}: credHelpers["bad.example"]`);
    expect(await credentials("good.example")).toEqual(basic("g", "g"));
    const store = dockerCredentials({ configDir: configDir({ credsStore: name }) });
    expect((await ociError(store("any.example"))).message).toContain("credsStore is not a credential helper name");
  });

  it.each([
    ["not JSON", "not json"],
    ["null", "null"],
    ["an array", "[1]"],
    ["a number as Secret", '{"Secret":5}'],
    ["an object as Username", '{"Username":{},"Secret":"s3cret-answer"}'],
  ])("a helper answering %s: INVALID_ARGUMENT naming it, without the answer", async (_what, answer) => {
    const program = script(`cat >/dev/null; printf '%s' '${answer}'`);
    const credentials = dockerCredentials({ configDir: configDir({ credsStore: "x" }), helpers: { x: program } });
    const error = await ociError(credentials("reg.example"));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(program);
    expect(errorText(error)).not.toContain(answer);
  });

  it("a failing helper: UNAUTHORIZED with its exit code, never what it printed", async () => {
    const program = script(
      `cat >/dev/null; echo 'token s3cret-in-output was refused'; echo 's3cret-on-stderr' >&2; exit 3`,
    );
    const credentials = dockerCredentials({ configDir: configDir({ credsStore: "x" }), helpers: { x: program } });
    const error = await ociError(credentials("reg.example"));
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toBe(`credential helper ${program} get failed (exit code 3)`);
    expect(errorText(error)).not.toMatch(/s3cret/);
  });

  it("a helper that floods its output is stopped at 1 MiB with TOO_LARGE, not buffered", async () => {
    // No `exec`: the shell's child (yes) keeps the pipe open after the shell is killed, so the answer must not wait
    // for the pipe to close (yes ends on SIGPIPE once nobody reads).
    const program = script(`yes '{"Username":"u","Secret":"s"}'`, "docker-credential-flood");
    const credentials = dockerCredentials({
      configDir: configDir({ credsStore: "flood" }),
      helpers: { flood: program },
    });
    const error = await ociError(credentials("reg.example"));
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toContain("docker-credential-flood");
  });

  it("a helper that never answers is killed after helperTimeout with TIMEOUT; an abort kills it with ABORTED", async () => {
    // A sleep no other process runs, so that /proc tells whether this helper still runs (before and after its exec).
    const token = `${600 + Math.random()}`.slice(0, 12);
    const program = script(`exec sleep ${token}`);
    const options = { configDir: configDir({ credsStore: "slow" }), helpers: { slow: program } };
    const timedOut = await ociError(dockerCredentials({ ...options, helperTimeout: 200 })("reg.example"));
    expect(timedOut.code).toBe("TIMEOUT");
    expect(timedOut.message).toContain(program);
    await waitFor(() => !running(token));
    const controller = new AbortController();
    const pending = dockerCredentials(options)("reg.example", { signal: controller.signal });
    await waitFor(() => running(token));
    controller.abort();
    expect((await ociError(pending)).code).toBe("ABORTED");
    await waitFor(() => !running(token));
    const early = dockerCredentials(options)("reg.example", { signal: AbortSignal.abort() });
    expect((await ociError(early)).code).toBe("ABORTED");
  });

  it("a helper that exits without reading its input is its exit code, not an uncaught EPIPE", async () => {
    const program = script("exit 1");
    const credentials = dockerCredentials({ configDir: configDir({ credsStore: "x" }), helpers: { x: program } });
    expect((await ociError(credentials("reg.example"))).message).toContain("exit code 1");
  });
});

/** Whether a live process (not a zombie: dead, not yet reaped) has `token` in its command line. */
function running(token: string): boolean {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(token)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (;;) {
    try {
      if (condition()) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
