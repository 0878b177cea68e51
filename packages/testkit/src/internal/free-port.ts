// A free TCP port on 127.0.0.1: listen on port 0, read the port, close. Another process can take it between close
// and use; the registry then fails fast with "address already in use" and startRegistry retries once.
import net from "node:net";

/** Resolves to a port on 127.0.0.1 that was free a moment ago. Never 5000 (the Debian package's default). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const value = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolve(value));
      });
    });
    if (port !== 5000) return port;
  }
}
