// Starting and stopping a node:http server on 127.0.0.1 with a random port.
import type { Server } from "node:http";

/** Listens on 127.0.0.1 on a random port and resolves to the port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** Closes a server and every connection it holds (keep-alive sockets would otherwise keep it open). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
