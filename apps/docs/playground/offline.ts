// The page's side of the service worker (sw.ts): registering it, and the URLs it serves an artifact's files at.
// Without it (the dev server builds no worker; a browser without service workers) the playground still works,
// reading the store itself; only the files' own URLs are missing.
import { parseReference } from "@toci/spec-types";
import { CONTENT_PATH, SERVICE_WORKER_URL } from "./names.js";

/**
 * Registers the worker and resolves once it controls this page (it claims open pages when it activates); resolves
 * false when there is no worker to register.
 */
export async function startServiceWorker(): Promise<boolean> {
  if (!("serviceWorker" in navigator)) return false;
  try {
    await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: "/" });
  } catch {
    return false;
  }
  if (navigator.serviceWorker.controller) return true;
  await new Promise<void>((resolve) =>
    navigator.serviceWorker.addEventListener("controllerchange", () => resolve(), { once: true }),
  );
  return true;
}

/** The worker's URL of a root's files: `<content>/<repository>/<tag>/`, from the root's full name. */
export function contentDirectory(name: string): string {
  const ref = parseReference(name);
  const path = `${ref.repository}/${encodeURIComponent(ref.tag ?? ref.digest ?? "latest")}/`;
  return new URL(`${CONTENT_PATH}${path}`, window.location.origin).href;
}

/** Where the worker serves a file of the root named `name` (a full reference, as a pull names its root). */
export function contentUrl(name: string, file: string): string {
  return new URL(encodePath(file), contentDirectory(name)).href;
}

/** A file name as a URL path (titles with `/` are paths below the tag). */
function encodePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}
