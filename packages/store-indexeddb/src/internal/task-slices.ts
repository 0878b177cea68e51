// Handing the thread back to the event loop while reading a Blob that is already local (hashing a segment that came
// as a Blob, on a page): its stream's chunks are there at once, each read resolves in a microtask, and a loop over
// them runs as one task. Hashing a 16 MiB segment so was a long task (48 over 50 ms in 3 pulls of 256 MiB, the
// longest 179 ms, measured); yielding once a slice of SLICE_MS has run keeps each task short.

/** The longest a loop runs before it yields: well under the 50 ms of a long task. */
const SLICE_MS = 8;

/** A function to await between pieces of work: it yields a task once SLICE_MS passed since the last yield. */
export function taskSlices(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await nextTask();
    since = performance.now();
  };
}

/** Resolves in a later task: `scheduler.yield()` where there is one (Chromium), else a message to ourselves. */
function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === "function") return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
