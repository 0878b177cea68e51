import { describe, expect, it } from "vitest";
import { type SuiteContext, text } from "./context.js";

/** The suite's "warnings" cases. */
export function warnings(ctx: SuiteContext): void {
  const { make, id, at } = ctx;
  describe("warnings", () => {
    it("reports each distinct Warning text once", async () => {
      const texts: string[] = [];
      const transport = make({ onWarning: (t) => texts.push(t) });
      const a = `deprecated ${id()}`;
      const b = `sunset ${id()}`;
      for (const t of [a, a, b, a, b]) {
        await text(await transport.request({ method: "GET", url: at(`/warning?text=${encodeURIComponent(t)}`) }));
      }
      expect(texts).toEqual([a, b]);
    });
  });
}
