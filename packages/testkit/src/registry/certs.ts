// Test certificates, made with openssl once and cached in the temp dir (key generation is the slow part of a TLS
// or token registry start). Recipes §3.1 and §4: a CA plus a leaf for 127.0.0.1/localhost that the registry
// serves, and a self-signed cert whose key signs tokens (its cert goes in the registry's rootcertbundle).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Files of the cached test certificates. */
export interface TestCertificates {
  /** The directory holding every file below. */
  dir: string;
  /** The CA certificate that signed the registry's certificate: what a client trusts. */
  caFile: string;
  /** A directory with `ca.crt` in it, for skopeo's `--cert-dir` / `--dest-cert-dir`. */
  certDir: string;
  /** The registry's TLS certificate (SAN IP:127.0.0.1, DNS:localhost, DNS:registry.test: a name only a test proxy resolves) and key. */
  tlsCert: string;
  tlsKey: string;
  /** The token signing certificate (self-signed, CN test-token-issuer) and its RSA key. */
  tokenCert: string;
  tokenKey: string;
  /** A client certificate signed by the CA (CN toci test client, extendedKeyUsage clientAuth) and its key: mTLS. */
  clientCert: string;
  clientKey: string;
}

/** Bump when the files change shape, so a stale cache from an older testkit is not reused. */
const CACHE_VERSION = "v2";
/** Certificates are made valid for a year and remade after 300 days. */
const DAYS = 365;
const MAX_AGE_MS = 300 * 24 * 3600 * 1000;

/**
 * The test certificates, generated on first use into `<tmpdir>/toci-testkit-certs-<version>` and reused after.
 * Concurrent first uses are safe: each generates into its own directory and renames it into place.
 */
export function testCertificates(cacheRoot: string = os.tmpdir()): TestCertificates {
  const dir = path.join(cacheRoot, `toci-testkit-certs-${CACHE_VERSION}`);
  const certs = filesIn(dir);
  if (isFresh(certs)) return certs;
  const work = fs.mkdtempSync(path.join(cacheRoot, "toci-testkit-certs-tmp-"));
  try {
    generate(work);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(work, dir);
    } catch {
      // Another process won the race; its files are as good as ours.
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return filesIn(dir);
}

function filesIn(dir: string): TestCertificates {
  return {
    dir,
    caFile: path.join(dir, "ca.crt"),
    certDir: path.join(dir, "certs.d"),
    tlsCert: path.join(dir, "registry.crt"),
    tlsKey: path.join(dir, "registry.key"),
    tokenCert: path.join(dir, "token.crt"),
    tokenKey: path.join(dir, "token.key"),
    clientCert: path.join(dir, "client.crt"),
    clientKey: path.join(dir, "client.key"),
  };
}

function isFresh(certs: TestCertificates): boolean {
  try {
    for (const file of [certs.caFile, certs.tlsCert, certs.tlsKey, certs.tokenCert, certs.tokenKey, certs.clientCert]) {
      fs.statSync(file);
    }
    return Date.now() - fs.statSync(certs.caFile).mtimeMs < MAX_AGE_MS;
  } catch {
    return false;
  }
}

function generate(dir: string): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const days = String(DAYS);
  /** A key and a certificate for `<name>` (CN `cn`, these extensions) signed by the CA: `<name>.key`, `<name>.crt`. */
  const leaf = (name: string, cn: string, extensions: string) => {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    );
    fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${extensions}\n`);
    const ca = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"];
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      ...ca,
      "-days",
      days,
      "-sha256",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    );
  };
  /** A self-signed certificate and its key (the CA; the token signer). */
  const selfSigned = (name: string, cn: string, ...extensions: string[]) =>
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      days,
      "-subj",
      `/CN=${cn}`,
      ...extensions.flatMap((e) => ["-addext", e]),
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
    );
  selfSigned("ca", "toci test CA", "basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign");
  leaf(
    "registry",
    "localhost",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:registry.test\nextendedKeyUsage=serverAuth",
  );
  selfSigned("token", "test-token-issuer");
  leaf("client", "toci test client", "extendedKeyUsage=clientAuth");
  fs.mkdirSync(path.join(dir, "certs.d"));
  fs.copyFileSync(path.join(dir, "ca.crt"), path.join(dir, "certs.d", "ca.crt"));
}
