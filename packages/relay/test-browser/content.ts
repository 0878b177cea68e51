// The files of demo/files:v1, pushed by the globalSetup and served offline in the browser tests.
export const artifactFiles: Record<string, string> = {
  "hello.txt": "hello from the store\n",
  "page.html": '<!doctype html><title>offline</title><script type="module" src="./app.js"></script>',
  "app.js": 'document.title = "ran offline"; window.parent.postMessage({ offline: document.title }, "*");\n',
};
