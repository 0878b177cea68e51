// A fault proxy (testkit) in front of a registry for the tests of one file: started before them, stopped after them.
// Every integration file that injects faults wants one or two; this is their one beforeAll/afterAll.
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll } from "vitest";
import { registries } from "./helpers.js";

/**
 * A fault proxy in front of `target` (a registry of the globalSetup, or the URL of one the file starts in an earlier
 * beforeAll), started in this file's beforeAll and stopped in its afterAll. The object returned stands for the
 * running proxy: use it in tests and hooks as the proxy itself.
 */
export function fileFaultProxy(
  target: "plain" | "token" | (() => string),
  options: Omit<FaultProxyOptions, "target"> = {},
): FaultProxy {
  let running: FaultProxy | undefined;
  beforeAll(async () => {
    running = await startFaultProxy({
      ...options,
      target: typeof target === "function" ? target() : registries()[target].url,
    });
  });
  afterAll(async () => {
    await running?.stop();
  });
  return new Proxy({} as FaultProxy, {
    get(_, key) {
      if (!running) throw new Error("the fault proxy starts in beforeAll: use it in tests and hooks");
      const value: unknown = Reflect.get(running, key);
      return typeof value === "function" ? value.bind(running) : value;
    },
  });
}
