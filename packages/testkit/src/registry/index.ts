// @toci/testkit/registry: a real distribution 2.8.2 registry for tests, in plain, htpasswd, token and TLS modes.
export { type TestCertificates, testCertificates } from "./certs.js";
export { type ProvideContext, REGISTRIES_KEY, registryGlobalSetup } from "./global-setup.js";
export { libtrustKeyId } from "./libtrust.js";
export {
  type RegistryAuth,
  type RegistryInfo,
  type RunningRegistry,
  type StartRegistryOptions,
  startRegistry,
} from "./start-registry.js";
export {
  startTokenServer,
  type TokenAccess,
  type TokenRequest,
  type TokenServer,
  type TokenServerOptions,
} from "./token-server.js";
