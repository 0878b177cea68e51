// What each group of store conformance cases gets from describeStore.
import type { Store } from "@toci/spec-types";
import type { StoreCapabilities, StoreUnderTest } from "../../store-suite.js";

export type { StoreUnderTest };

/** The suite's settings and the store of the running case. */
export interface StoreContext {
  capabilities: StoreCapabilities;
  /** Size of the streamed round trip, in bytes (0: skipped). */
  large: number;
  /** The set-up and store of the running case (made in the suite's beforeEach). */
  current(): { store: Store; t: StoreUnderTest };
}
