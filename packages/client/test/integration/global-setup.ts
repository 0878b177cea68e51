// One set of real registries for the whole run. The TLS registry's CA must be known to Node's fetch before the
// test workers start (NODE_EXTRA_CA_CERTS is read at process start), so it is set here, before vitest forks them.
import { registryGlobalSetup, testCertificates } from "@toci/testkit/registry";

const start = registryGlobalSetup({
  plain: {},
  htpasswd: { auth: "htpasswd" },
  token: { auth: "token" },
  tls: { tls: true, auth: "htpasswd" },
});

export default async function setup(context: Parameters<typeof start>[0]) {
  const certs = await testCertificates();
  process.env.NODE_EXTRA_CA_CERTS = certs.caFile;
  return start(context);
}
