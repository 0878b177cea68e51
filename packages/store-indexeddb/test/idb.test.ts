import "fake-indexeddb/auto";
import { describeIdbCases } from "./idb-cases.js";

describeIdbCases("node");
