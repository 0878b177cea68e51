import { describeIdbCases } from "../test/idb-cases.js";

describeIdbCases("chromium");
