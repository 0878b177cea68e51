// `toci relay`: its flags and example. Like every command, it loads its code (and @toci/relay) when it runs.
import type { Command } from "commander";
import type { Act } from "./program.js";

const repeatable = (value: string, all: string[] = []) => [...all, value];

export function relayCommands(
  program: Command,
  act: Act,
  { example }: { example(command: Command, ...lines: string[]): Command },
): void {
  example(
    program
      .command("relay")
      .description("serve a CORS relay so that web pages on the allowed origins can use the upstream registries")
      .option("--listen <host:port>", "where to listen (port 0: a free one, printed)", "127.0.0.1:5080")
      .option(
        "--upstream <[name=]url[,origin...]>",
        "a registry reachable at <relay>/<name> (default name: its host), with its other origins on private addresses or plain HTTP, one with a path also a token realm (repeatable)",
        repeatable,
        [],
      )
      .option("--allow-origin <origin>", "a page origin that may use the relay, exactly (repeatable)", repeatable, [])
      .option("--allow-no-origin", "also serve requests without Origin (same-origin pages, programs)")
      .option("--lend-credentials", "send docker config's credentials for an upstream on requests that carry none")
      .option("--public", "allow --listen on an address other than loopback (anyone who reaches it can use the relay)")
      .option("--public-url <url>", "the relay's URL as clients reach it (behind a reverse proxy)")
      .option("--insecure", "skip the upstreams' TLS certificate verification (dangerous)")
      .option("--ca-file <file>", "trust this PEM CA certificate as well, for every upstream")
      .option("--proxy <url>", "the HTTP proxy to the upstreams (instead of HTTPS_PROXY/HTTP_PROXY; NO_PROXY applies)")
      .option("--no-proxy", "reach the upstreams directly, whatever HTTPS_PROXY/HTTP_PROXY say")
      .option(
        "--host <host[:port]>",
        "a host name the relay answers for; once given, others get 421 (default: any with an allowed Origin, loopback and --public-url's without) (repeatable)",
        repeatable,
      ),
    "toci relay --upstream ghcr.io --allow-origin http://localhost:5173",
    "toci relay --listen 127.0.0.1:5080 --upstream docker.io --upstream local=localhost:5001 --allow-origin https://app.example --lend-credentials",
  ).action(act(async (run, _args, flags) => (await import("./commands/relay.js")).relayCommand(run, flags)));
}
