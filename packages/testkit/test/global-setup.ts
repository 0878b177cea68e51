// One shared plain registry for the whole run, to prove registryGlobalSetup works as vitest's globalSetup.
import { registryGlobalSetup } from "../src/registry/index.js";

export default registryGlobalSetup({ shared: {} });
