import { describeBlobAppendCases } from "../test/blob-append-cases.js";

// On the page: hashed as written (the default there); verified whole at commit as in a worker.
describeBlobAppendCases("chromium");
describeBlobAppendCases("chromium, verified whole", { wholeDigestMax: 1024 * 1024 });
