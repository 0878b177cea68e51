// @toci/cli: the `toci` command (bin: dist-bin/toci.cjs, dist/bin.js bundled). Also importable, to run it in-process or reuse its docker
// credential handling.
export {
  DOCKER_HUB_KEY,
  dockerConfigPath,
  dockerCredentials,
  eraseCredentials,
  normalizeHost,
  type StoredIn,
  serverKey,
  storeCredentials,
} from "./credentials.js";
export { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "./errors.js";
export { main } from "./main.js";
