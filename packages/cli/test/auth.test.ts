// Credentials, end to end: flags, --password-stdin, TOCI_USERNAME/TOCI_PASSWORD, docker config (auths under any
// key spelling, identitytoken, credsStore, credHelpers beating credsStore) with a fake credential helper on PATH;
// login (verified, stored with mode 0600 or in the helper) and logout; a wrong password is exit 1 UNAUTHORIZED.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { multiArchIndex, writeLayout } from "@toci/testkit/fixtures";
import type { RegistryInfo } from "@toci/testkit/registry";
import { beforeAll, describe, expect, it } from "vitest";
import { creds, dockerConfig, registries, tempDir, toci } from "./helpers.js";

const { htpasswd, token, plain } = registries();
const fixture = multiArchIndex({ seed: "cli-auth", layerSizes: [10_000] });

/** A fake `docker-credential-fake`: entries are files in $FAKE_HELPER_DIR, named after the server URL. */
const helperBin = tempDir("toci-cli-helper-");
const HELPER = `#!/bin/sh
dir="\${FAKE_HELPER_DIR:?}"
mkdir -p "$dir"
input=$(cat)
case "$1" in
  get)
    f="$dir/$(printf %s "$input" | tr '/:' '__')"
    if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store)
    url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
    printf %s "$input" > "$dir/$(printf %s "$url" | tr '/:' '__')" ;;
  erase)
    f="$dir/$(printf %s "$input" | tr '/:' '__')"
    if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
esac
`;
writeFileSync(join(helperBin, "docker-credential-fake"), HELPER);
chmodSync(join(helperBin, "docker-credential-fake"), 0o755);
const PATH = `${helperBin}:${process.env["PATH"]}`;

/** A helper store holding `username:password` for `server`. */
function helperData(server: string, username: string, secret: string): string {
  const dir = tempDir("toci-cli-helperdata-");
  writeFileSync(
    join(dir, server.replace(/[/:]/g, "_")),
    JSON.stringify({ ServerURL: server, Username: username, Secret: secret }),
  );
  return dir;
}

const basic = (r: RegistryInfo) =>
  Buffer.from(`${r.credentials!.username}:${r.credentials!.password}`).toString("base64");

let layout: string;

/** Token requests the token registry's token server has answered so far. */
async function tokenRequests(): Promise<number> {
  const res = await fetch(`${token.token!.url}/_stats`);
  return ((await res.json()) as { requests: unknown[] }).requests.length;
}

beforeAll(async () => {
  layout = tempDir();
  writeLayout(layout, fixture, "v1");
  const pushed = await Promise.all(
    [htpasswd, token].map((r) => toci(["push", `${r.host}/cli/auth:v1`, "--store", layout, ...creds(r)])),
  );
  for (const p of pushed) expect(p.stderr).toBe("");
});

describe.concurrent.each([
  ["htpasswd", htpasswd],
  ["token", token],
])("%s registry", (_mode, registry) => {
  const repo = `${registry.host}/cli/auth`;

  it("refuses an anonymous push and a wrong password: exit 1, UNAUTHORIZED, a login hint", async () => {
    // (The token server gives anonymous callers pull, so an anonymous push is what both modes refuse.)
    const [anonymous, wrong] = await Promise.all([
      toci(["push", `${repo}:anonymous`, "--store", layout, "--from", "v1"]),
      toci(["pull", `${repo}:v1`, "--store", tempDir(), "-u", "testuser", "-p", "wrong"]),
    ]);
    for (const result of [anonymous, wrong]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: UNAUTHORIZED: /);
      expect(result.stderr).toContain("hint: run `toci login <registry>`");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const json = await toci(["resolve", `${repo}:v1`, "--json", "-u", "testuser", "-p", "wrong"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  });

  it("takes credentials from -u/-p, --password-stdin and TOCI_USERNAME/TOCI_PASSWORD", async () => {
    const [flags, stdin, env] = await Promise.all([
      toci(["resolve", `${repo}:v1`, ...creds(registry)]),
      toci(["resolve", `${repo}:v1`, "-u", "testuser", "--password-stdin"], { input: "testpassword\n" }),
      toci(["resolve", `${repo}:v1`], { env: { TOCI_USERNAME: "testuser", TOCI_PASSWORD: "testpassword" } }),
    ]);
    for (const result of [flags, stdin, env]) {
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe(fixture.root.digest);
    }
  });

  it("reads docker config auths under any key spelling", async () => {
    const results = await Promise.all(
      [registry.host, `http://${registry.host}`, `https://${registry.host}/v2/`].map((key) =>
        toci(["tags", repo], { env: { DOCKER_CONFIG: dockerConfig({ auths: { [key]: { auth: basic(registry) } } }) } }),
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/^v1$/m);
    }
  });

  it("asks credHelpers before credsStore, and the helper before auths", async () => {
    const good = helperData(registry.host, "testuser", "testpassword");
    const viaHelpers = await toci(["tags", repo], {
      env: {
        PATH,
        FAKE_HELPER_DIR: good,
        // credsStore names a helper that does not exist: credHelpers must win without running it.
        DOCKER_CONFIG: dockerConfig({ credsStore: "missing", credHelpers: { [registry.host]: "fake" } }),
      },
    });
    expect(viaHelpers.stderr).toBe("");
    expect(viaHelpers.stdout).toMatch(/^v1$/m);
    const viaStore = await toci(["tags", repo], {
      env: {
        PATH,
        FAKE_HELPER_DIR: good,
        DOCKER_CONFIG: dockerConfig({ credsStore: "fake", auths: { [registry.host]: { auth: "bm86bm8=" } } }),
      },
    });
    expect(viaStore.stderr).toBe("");
    expect(viaStore.stdout).toMatch(/^v1$/m);
  });

  it("logs in (verified, stored 0600), uses the stored login, and logs out", async () => {
    const config = tempDir("toci-cli-dc-");
    const env = { DOCKER_CONFIG: config };
    const bad = await toci(["login", registry.host, "-u", "testuser", "--password-stdin"], { env, input: "nope\n" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: UNAUTHORIZED: /);
    expect(existsSync(join(config, "config.json"))).toBe(false);
    const login = await toci(["login", registry.host, "-u", "testuser", "--password-stdin"], {
      env,
      input: "testpassword\n",
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain("Login Succeeded");
    const file = join(config, "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).auths[registry.host].auth).toBe(basic(registry));
    expect((await toci(["resolve", `${repo}:v1`], { env })).stdout.trim()).toBe(fixture.root.digest);
    const logout = await toci(["logout", registry.host, "--json"], { env });
    expect(JSON.parse(logout.stdout)).toEqual({ registry: registry.host, removed: true });
    expect(JSON.parse(readFileSync(file, "utf8")).auths).toEqual({});
    const after = await toci(["push", `${repo}:after-logout`, "--store", layout, "--from", "v1"], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error: UNAUTHORIZED: /);
  });

  it("logs in through the credential helper when one is configured", async () => {
    const store = tempDir("toci-cli-helperdata-");
    const config = dockerConfig({ credsStore: "fake" });
    const env = { PATH, FAKE_HELPER_DIR: store, DOCKER_CONFIG: config };
    const login = await toci(["login", registry.host, ...creds(registry)], { env });
    expect(login.stderr).toMatch(/^warning: a password on the command line can be read by other users/);
    expect(login.stdout).toContain("docker-credential-fake");
    expect(readdirSync(store)).toEqual([registry.host.replace(/[/:]/g, "_")]);
    expect(JSON.parse(readFileSync(join(config, "config.json"), "utf8"))).toEqual({ credsStore: "fake" });
    expect((await toci(["tags", repo], { env })).stdout).toMatch(/^v1$/m);
    expect((await toci(["logout", registry.host], { env })).code).toBe(0);
    expect(readdirSync(store)).toEqual([]);
  });
});

describe("copy between registries with their own credentials", () => {
  it("--from-… and --to-… replace -u/-p for their side only", async () => {
    const src = `${htpasswd.host}/cli/auth:v1`;
    const dst = `${token.host}/cli/auth-copied:v1`;
    const from = ["--from-username", "testuser", "--from-password", "testpassword"];
    const to = ["--to-username", "testuser", "--to-password", "testpassword"];
    const wrong = ["-u", "testuser", "-p", "wrong"];
    // The source takes --from-…; the destination still has the (wrong) -u/-p: refused there.
    const half = await toci(["copy", src, dst, ...wrong, ...from]);
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/^error: UNAUTHORIZED: /);
    expect(half.stderr).toContain("token server"); // the destination's (the source uses Basic)
    // Each side with its own: the wrong -u/-p is used by neither.
    const both = await toci(["copy", src, dst, ...wrong, ...from, ...to, "--json"]);
    expect(both.stderr).toBe("");
    expect(JSON.parse(both.stdout)).toMatchObject({ digest: fixture.root.digest });
    // --password-stdin serves both sides of a copy within one registry: stdin is read once, not once per side (the
    // second got "").
    const stdin = await toci(
      ["copy", src, `${htpasswd.host}/cli/auth-stdin:v1`, "-u", "testuser", "--password-stdin"],
      {
        input: "testpassword\n",
      },
    );
    expect(stdin.stderr).toBe("");
    expect(stdin.code).toBe(0);
    const incomplete = await toci(["copy", src, dst, "--from-username", "testuser"]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain("--from-username needs --from-password");
  });
});

describe("one credential for two registries (issue 19)", () => {
  it("copy refuses -u/-p, --password-stdin and TOCI_USERNAME/TOCI_PASSWORD across two hosts: exit 2, nothing sent", async () => {
    const src = `${htpasswd.host}/cli/auth:v1`;
    const dst = `${token.host}/cli/auth-ambiguous:v1`;
    const before = await tokenRequests();
    const [flags, stdin, env, json] = await Promise.all([
      toci(["copy", src, dst, "-u", "testuser", "-p", "testpassword"]),
      toci(["copy", src, dst, "-u", "testuser", "--password-stdin"], { input: "testpassword\n" }),
      toci(["copy", src, dst], { env: { TOCI_USERNAME: "testuser", TOCI_PASSWORD: "testpassword" } }),
      toci(["copy", src, dst, "-u", "testuser", "-p", "testpassword", "--json"]),
    ]);
    for (const [result, given] of [
      [flags, "-u/-p"],
      [stdin, "-u/-p"],
      [env, "TOCI_USERNAME/TOCI_PASSWORD"],
    ] as const) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: ${given} cannot serve two registries (${htpasswd.host} and ${token.host})`,
      );
      expect(result.stderr).toContain("--from-username/--from-password and --to-username/--to-password");
    }
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "USAGE" } });
    // The destination's token server was never asked (the source is Basic: a token request could only come from us).
    expect(await tokenRequests()).toBe(before);
    // Within one registry the same credentials serve both sides.
    const same = await toci(["copy", src, `${htpasswd.host}/cli/auth-same:v1`, ...creds(htpasswd)]);
    expect(same.stderr).toMatch(/^(warning: [^\n]*\n)*$/);
    expect(same.code).toBe(0);
  });
});

describe("docker config through the command", () => {
  it("login through a symlinked config.json keeps the symlink and replaces its target (mode 0600)", async () => {
    const root = tempDir("toci-cli-dc-");
    const target = join(root, "dotfiles-docker.json");
    writeFileSync(target, JSON.stringify({ auths: {}, detachKeys: "ctrl-x" }), { mode: 0o644 });
    const dir = join(root, "docker");
    mkdirSync(dir);
    symlinkSync(target, join(dir, "config.json"));
    const env = { DOCKER_CONFIG: dir };
    const login = await toci(["login", htpasswd.host, "-u", "testuser", "--password-stdin"], {
      env,
      input: "testpassword\n",
    });
    expect(login.code).toBe(0);
    expect(lstatSync(join(dir, "config.json")).isSymbolicLink()).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(target, "utf8"))).toEqual({
      auths: { [htpasswd.host]: { auth: basic(htpasswd) } },
      detachKeys: "ctrl-x",
    });
    expect(readdirSync(dir)).toEqual(["config.json"]);
    expect((await toci(["tags", `${htpasswd.host}/cli/auth`], { env })).stdout).toMatch(/^v1$/m);
  });

  it("a registry that never asks for credentials never makes the command read docker config", async () => {
    // A config.json that fails the moment it is read: a pull and a push to an anonymous registry do not notice it.
    const env = { DOCKER_CONFIG: dockerConfig({ auths: { [plain.host]: { auth: "!!!" } }, credsStore: "missing" }) };
    const ref = `${plain.host}/cli/auth-anonymous:v1`;
    const push = await toci(["push", ref, "--store", layout], { env });
    expect(push.stderr).toBe("");
    expect(push.code).toBe(0);
    const pulled = await toci(["pull", ref, "--store", tempDir(), "--platform", "linux/amd64"], { env });
    expect(pulled.stderr).toBe("");
    expect(pulled.code).toBe(0);
  });

  it("a malformed config or a failing helper: exit 1 naming the file or helper, no secret, no stack", async () => {
    const bad = dockerConfig({ auths: { [htpasswd.host]: { auth: "!!!" } } });
    const broken = await toci(["tags", `${htpasswd.host}/cli/auth`], { env: { DOCKER_CONFIG: bad } });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      `error: INVALID_ARGUMENT: ${join(bad, "config.json")}: auths["${htpasswd.host}"].auth`,
    );
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    const bin = tempDir("toci-cli-helper-");
    writeFileSync(join(bin, "docker-credential-leaky"), "#!/bin/sh\necho 'cannot unlock: s3cret-password'\nexit 1\n");
    chmodSync(join(bin, "docker-credential-leaky"), 0o755);
    const failing = await toci(["tags", `${htpasswd.host}/cli/auth`, "--json"], {
      env: { PATH: `${bin}:${process.env["PATH"]}`, DOCKER_CONFIG: dockerConfig({ credsStore: "leaky" }) },
    });
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({
      error: { code: "UNAUTHORIZED", message: "credential helper docker-credential-leaky get failed (exit code 1)" },
    });
    expect(failing.stdout + failing.stderr).not.toContain("s3cret");
  });
});

describe("identity tokens", () => {
  it("uses docker config's identitytoken as an OAuth2 refresh token", async () => {
    const { url, service } = token.token!;
    const response = await fetch(
      `${url}/token?service=${encodeURIComponent(service)}&scope=repository:cli/auth:pull&offline_token=true&client_id=test`,
      { headers: { authorization: `Basic ${basic(token)}` } },
    );
    const { refresh_token: refresh } = (await response.json()) as { refresh_token: string };
    expect(refresh).toBeTruthy();
    const config = dockerConfig({ auths: { [token.host]: { identitytoken: refresh } } });
    const result = await toci(["tags", `${token.host}/cli/auth`], { env: { DOCKER_CONFIG: config } });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^v1$/m);
  });

  it("uses a helper's <token> user as an identity token", async () => {
    const { url, service } = token.token!;
    const response = await fetch(`${url}/token?service=${encodeURIComponent(service)}&offline_token=true`, {
      headers: { authorization: `Basic ${basic(token)}` },
    });
    const { refresh_token: refresh } = (await response.json()) as { refresh_token: string };
    const env = {
      PATH,
      FAKE_HELPER_DIR: helperData(token.host, "<token>", refresh),
      DOCKER_CONFIG: dockerConfig({ credHelpers: { [token.host]: "fake" } }),
    };
    const result = await toci(["resolve", `${token.host}/cli/auth:v1`], { env });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe(fixture.root.digest);
  });
});
