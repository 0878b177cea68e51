import "fake-indexeddb/auto";
import { describeBlobAppendCases } from "./blob-append-cases.js";

describeBlobAppendCases("node");
