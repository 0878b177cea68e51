import { describe, expect, inject, it } from "vitest";
import { REGISTRIES_KEY, type RegistryInfo } from "../src/registry/index.js";

describe("registryGlobalSetup", () => {
  it("provides the registries it started to test files", async () => {
    const registries = inject(REGISTRIES_KEY as never) as unknown as Record<string, RegistryInfo>;
    const { shared } = registries;
    expect(shared?.auth).toBe("none");
    expect((await fetch(`${shared!.url}/v2/`)).status).toBe(200);
  });
});
