// One registry per mode for the whole run: plain HTTP, htpasswd (Basic), token (JWT), and TLS (for --ca-file).
import { registryGlobalSetup } from "@toci/testkit/registry";

export default registryGlobalSetup({
  plain: {},
  htpasswd: { auth: "htpasswd" },
  token: { auth: "token" },
  tls: { tls: true },
});
