// whenAborted: one listener per signal however many callbacks, gone with the last callback (Node 20 keeps a follower
// signal alive while it has listeners: a listener left behind leaked every operation's signal in the client's soak).
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { whenAborted } from "../src/internal/abort-listeners.js";

describe("whenAborted", () => {
  it("adds one listener for many callbacks and removes it with the last one", () => {
    const { signal } = new AbortController();
    const stops = Array.from({ length: 50 }, () => whenAborted(signal, () => {}));
    expect(getEventListeners(signal, "abort")).toHaveLength(1);
    for (const stop of stops.slice(0, 49)) stop();
    expect(getEventListeners(signal, "abort")).toHaveLength(1);
    stops[49]!();
    stops[49]!(); // idempotent
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    whenAborted(signal, () => {})();
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("calls each callback still registered once when the signal aborts, and none that was removed", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    whenAborted(controller.signal, () => calls.push("a"));
    const stopB = whenAborted(controller.signal, () => calls.push("b"));
    whenAborted(controller.signal, () => calls.push("c"));
    stopB();
    controller.abort();
    controller.abort();
    expect(calls.sort()).toEqual(["a", "c"]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
