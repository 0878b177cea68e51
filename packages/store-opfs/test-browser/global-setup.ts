// Stops the registry and proxy that the browser commands started (harness.ts), at the end of the run.
import { stopHarness } from "./harness.js";

export default function setup(): () => Promise<void> {
  return stopHarness;
}
