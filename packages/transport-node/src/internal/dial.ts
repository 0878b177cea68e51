// Opening a connection: TCP or TLS straight to the registry, or through an HTTP proxy — to the proxy itself for
// http: URLs (the requests then name their absolute URL), or through a CONNECT tunnel for https: URLs, inside which
// TLS runs end to end with the registry: the proxy sees the CONNECT line and its own credentials, never a request
// or the registry's Authorization (RFC 9110 §9.3.6).

import net, { isIP } from "node:net";
import type * as tls from "node:tls";
import type { NormalizedTls } from "../options.js";
import type { ProxyEndpoint } from "../proxy.js";
import type { Connection } from "./connection.js";

/** Where to connect and how. */
export interface DialTarget {
  /** The registry's origin. */
  url: URL;
  proxy: ProxyEndpoint | undefined;
  tls: NormalizedTls;
}

/** A proxy's refusal to open a tunnel (its status, e.g. 407 without the right proxy credentials). */
export class ProxyRefused extends Error {
  override name = "ProxyRefused";
  constructor(readonly status: number) {
    super(`the proxy refused the tunnel: HTTP ${status}`);
  }
}

/** The longest CONNECT answer head read. */
const MAX_CONNECT_HEAD = 16 * 1024;

/** Connects `connection` to a target; resolves once it can carry a request (TLS handshake done). */
export async function dial(connection: Connection, target: DialTarget): Promise<void> {
  const { url, proxy } = target;
  const secure = url.protocol === "https:";
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port || (secure ? 443 : 80));
  if (!secure) {
    const socket = net.connect({
      host: proxy?.host ?? host,
      port: proxy?.port ?? port,
      noDelay: true,
      onread: connection.onread,
    });
    connection.attach(socket, "onread");
    await ready(socket, "connect");
    return;
  }
  // node:tls is loaded by the first TLS connection only: importing it costs a plain-HTTP run (a local registry)
  // ~7 ms of CPU, its ESM facade reading `rootCertificates`, which parses every bundled root certificate.
  const { connect, rootCertificates } = await import("node:tls");
  const options: tls.ConnectionOptions = {
    servername: isIP(host) ? undefined : host,
    // `ca` replaces Node's bundled roots; an extra CA is meant to be trusted on top of them.
    ca: target.tls.ca ? [...rootCertificates, ...target.tls.ca] : undefined,
    cert: target.tls.cert,
    key: target.tls.key,
    rejectUnauthorized: !target.tls.insecure,
    ALPNProtocols: ["http/1.1"],
  };
  if (!proxy) {
    // `onread` is documented for tls.connect (it applies when no socket is given) but missing from @types/node 20.
    const socket = connect({ ...options, host, port, onread: connection.onread } as tls.ConnectionOptions);
    socket.setNoDelay(true);
    connection.attach(socket, "onread");
    await ready(socket, "secureConnect");
    return;
  }
  const tunnel = await connectTunnel(proxy, `${url.hostname}:${port}`);
  const socket = connect({ ...options, socket: tunnel });
  connection.attach(socket, "data");
  await ready(socket, "secureConnect");
}

/** A CONNECT tunnel through the proxy to `authority`; the proxy's credentials go in this request only. */
async function connectTunnel(proxy: ProxyEndpoint, authority: string): Promise<net.Socket> {
  const socket = net.connect({ host: proxy.host, port: proxy.port, noDelay: true });
  await ready(socket, "connect");
  const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : "";
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onClose = () => fail(Object.assign(new Error("the proxy closed the connection"), { code: "ECONNRESET" }));
    const onData = (data: Buffer) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_CONNECT_HEAD) fail(new Error("the proxy's answer to CONNECT is too long"));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.toString("latin1", 0, end))?.[1] ?? 0);
      if (status < 200 || status > 299) return fail(new ProxyRefused(status));
      // Bytes after the answer belong to the tunnel (the server speaks first in no protocol we tunnel: none).
      if (end + 4 < head.length) return fail(new Error("the proxy sent bytes before the tunnel was used"));
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error) => fail(error);
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
  });
}

/** Resolves on `event` (connected, handshake done), rejects on the first error or close. */
function ready(socket: net.Socket, event: "connect" | "secureConnect"): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      socket.off(event, onReady);
      socket.off("error", done);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(Object.assign(new Error("the connection closed while opening"), { code: "ECONNRESET" }));
    socket.once(event, onReady);
    socket.once("error", done);
    socket.once("close", onClose);
  });
}
