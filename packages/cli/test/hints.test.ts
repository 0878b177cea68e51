// Hints that match the cause: a refused connection to a registry reached over plain HTTP does not suggest
// --plain-http (over HTTPS it may); a failed `toci login` does not say "run toci login"; other commands still do.
import { describe, expect, it } from "vitest";
import { registries, tempDir, toci } from "./helpers.js";

describe.concurrent("hints", () => {
  it("a refused connection: --plain-http only when the request went over HTTPS", async () => {
    const overHttp = await toci(["tags", "127.0.0.1:9/cli/x"]);
    expect(overHttp.code).toBe(1);
    expect(overHttp.stderr).toMatch(
      /^error: NETWORK: .*ECONNREFUSED.*\nhint: nothing accepts connections at 127\.0\.0\.1:9/,
    );
    expect(overHttp.stderr).not.toContain("--plain-http");
    const overHttps = await toci(["ping", "https://127.0.0.1:9"]);
    expect(overHttps.stderr).toMatch(/\nhint: nothing accepts connections at 127\.0\.0\.1:9.*--plain-http/);
  });

  it("a plain HTTP registry reached over HTTPS: add --plain-http", async () => {
    const { plain } = registries();
    const result = await toci(["ping", `https://${plain.host}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("hint: the registry may speak plain HTTP: add --plain-http");
  });

  it("a failed login says the credentials were refused, not to log in; a command without them says to", async () => {
    const { htpasswd } = registries();
    const env = { DOCKER_CONFIG: tempDir("toci-cli-dc-") };
    const login = await toci(["login", htpasswd.host, "-u", "testuser", "--password-stdin"], { env, input: "nope\n" });
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/^error: UNAUTHORIZED: .*\nhint: the registry refused this user name and password/);
    expect(login.stderr).not.toContain("toci login");
    const json = await toci(["login", htpasswd.host, "-u", "testuser", "--password-stdin", "--json"], {
      env,
      input: "nope\n",
    });
    expect(JSON.parse(json.stdout).error.hint).toContain("refused this user name and password");
    const anonymous = await toci(["tags", `${htpasswd.host}/cli/x`], { env });
    expect(anonymous.stderr).toContain("hint: run `toci login <registry>`");
  });
});
