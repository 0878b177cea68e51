// The page's side of the service worker (sw.ts): registering it, and the URLs it serves an artifact's files at.
// Without it (the dev server builds no worker; a browser without service workers) the playground still pulls and
// browses images; an artifact's files need it.
import { parseReference } from "@toci/spec-types";
import { CONTENT_PATH, SERVICE_WORKER_URL } from "./names.js";

/** A file of an artifact, as the worker lists it (serveContent's `<prefix>/<repo>/<tag>/`). */
export interface ContentFile {
  name: string;
  size: number;
  digest: string;
  mediaType: string;
  /** Where the worker serves it. */
  url: string;
}

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

/** An artifact's files, listed by the worker from the store. Throws when the worker does not answer. */
export async function contentFiles(name: string): Promise<ContentFile[]> {
  const directory = contentDirectory(name);
  const response = await fetch(directory, { cache: "no-store" });
  if (!response.ok) throw new Error(`the service worker answered ${response.status}: ${await response.text()}`);
  const listing = (await response.json()) as { files: Omit<ContentFile, "url">[] };
  return listing.files.map((file) => ({ ...file, url: new URL(encodePath(file.name), directory).href }));
}

/** A file name as a URL path (titles with `/` are paths below the tag). */
function encodePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}
