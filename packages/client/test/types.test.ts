// Compile-time tests: they fail `npm run typecheck` (tsc over test/), not at run time. The overloads of `repo.push`
// accept what DESIGN's table promises and refuse the mixes that would compile to the wrong push; every store
// factory builds a Store (and the optional abilities it claims); the strict API resolves what the plain one may not;
// the pull entry's classes have the full ones' reading calls, signature for signature, and take a full object.
import type {
  ClosableStore,
  Descriptor,
  SourceRecorder,
  Store,
  TransferEvent,
  UploadStateKeeper,
} from "@toci/spec-types";
import type { fsStore } from "@toci/store-fs";
import type { indexedDbStore } from "@toci/store-indexeddb";
import type { memoryStore } from "@toci/store-memory";
import { describe, expectTypeOf, it } from "vitest";
import type { Client, Registry, Repository } from "../src/index.js";
import type * as pull from "../src/pull.js";
import type { StrictRegistry, StrictRepository, strict } from "../src/strict.js";

declare const repo: Repository;
declare const registry: Registry;
declare const descriptor: Descriptor;
declare const bytes: Uint8Array;
declare const blob: Blob;
declare const stream: ReadableStream<Uint8Array>;
declare const strictOf: typeof strict;

/** Type-level only: the body is never run (it only has to compile). */
const typeOnly = (check: () => void): void => void check;

describe("repo.push overloads", () => {
  it("accepts a blob push (bytes, Blob or stream, with its descriptor) and a tree push (a root)", () => {
    typeOnly(() => {
      expectTypeOf(repo.push(bytes, descriptor)).toEqualTypeOf<AsyncIterable<TransferEvent>>();
      expectTypeOf(repo.push(blob, descriptor, { mountFrom: ["other/repo"] })).toEqualTypeOf<
        AsyncIterable<TransferEvent>
      >();
      expectTypeOf(repo.push(stream, descriptor, { signal: AbortSignal.timeout(1) })).toEqualTypeOf<
        AsyncIterable<TransferEvent>
      >();
      expectTypeOf(repo.push(descriptor)).toEqualTypeOf<AsyncIterable<TransferEvent>>();
      expectTypeOf(repo.push(descriptor, { tag: "v1", onBlob: (_d: Descriptor, _n: number) => {} })).toEqualTypeOf<
        AsyncIterable<TransferEvent>
      >();
      // The caller may name repositories to mount from (a thin layout), as on a blob push.
      expectTypeOf(repo.push(descriptor, { mountFrom: ["base/repo"] })).toEqualTypeOf<AsyncIterable<TransferEvent>>();
    });
  });

  it("refuses the mixes: data without its descriptor, tree options on a blob, a string as data", () => {
    typeOnly(() => {
      // @ts-expect-error a blob push needs the expected descriptor
      repo.push(bytes);
      // @ts-expect-error the second argument of a blob push is its descriptor, not tree options
      repo.push(bytes, { tag: "v1" });
      // @ts-expect-error a string is not push data
      repo.push("hello", descriptor);
    });
  });
});

describe("store factories", () => {
  it("each builds a Store, with the abilities it claims", () => {
    expectTypeOf<ReturnType<typeof memoryStore>>().toExtend<Store & UploadStateKeeper & SourceRecorder>();
    expectTypeOf<Awaited<ReturnType<typeof fsStore>>>().toExtend<
      Store & UploadStateKeeper & SourceRecorder & ClosableStore
    >();
    expectTypeOf<Awaited<ReturnType<typeof indexedDbStore>>>().toExtend<
      Store & UploadStateKeeper & SourceRecorder & ClosableStore
    >();
    // The check bites: something short of the contract is not a Store.
    expectTypeOf<Omit<Store, "gc">>().not.toExtend<Store>();
  });
});

describe("the strict API", () => {
  it("hands out the strict faces, whose calls resolve values, never undefined or false", () => {
    typeOnly(() => {
      expectTypeOf(strictOf(repo)).toEqualTypeOf<StrictRepository>();
      expectTypeOf(strictOf(registry)).toEqualTypeOf<StrictRegistry>();
      expectTypeOf(repo.resolve("v1")).toEqualTypeOf<Promise<Descriptor | undefined>>();
      expectTypeOf<StrictRepository["resolve"]>().returns.toEqualTypeOf<Promise<Descriptor>>();
      expectTypeOf<StrictRepository["resolveBlob"]>().returns.toEqualTypeOf<Promise<Descriptor>>();
      expectTypeOf<StrictRepository["delete"]>().returns.toEqualTypeOf<Promise<void>>();
      expectTypeOf<StrictRegistry["ping"]>().returns.toEqualTypeOf<Promise<void>>();
      expectTypeOf(registry.ping()).toEqualTypeOf<Promise<boolean>>();
    });
  });
});

describe("the pull entry (@toci/client/pull)", () => {
  /** The calls a pulling app makes, by name: the same in both entries. */
  type Reading = "tags" | "resolve" | "resolveBlob" | "exists" | "fetch" | "pull" | "referrers" | "reference" | "name";

  it("has the full classes' reading calls with the same signatures", () => {
    expectTypeOf<Pick<pull.Repository, Reading>>().toEqualTypeOf<Pick<Repository, Reading>>();
    expectTypeOf<Pick<pull.Registry, "url" | "name" | "ping">>().toEqualTypeOf<
      Pick<Registry, "url" | "name" | "ping">
    >();
    type ClientParts = "store" | "transport" | "logger" | "close" | typeof Symbol.asyncDispose;
    expectTypeOf<Pick<pull.Client, ClientParts>>().toEqualTypeOf<Pick<Client, ClientParts>>();
    expectTypeOf<ConstructorParameters<typeof pull.Client>>().toEqualTypeOf<ConstructorParameters<typeof Client>>();
    expectTypeOf<Parameters<pull.Client["repo"]>>().toEqualTypeOf<Parameters<Client["repo"]>>();
    expectTypeOf<Parameters<pull.Client["registry"]>>().toEqualTypeOf<Parameters<Client["registry"]>>();
    expectTypeOf<Parameters<pull.Registry["catalog"]>>().toEqualTypeOf<Parameters<Registry["catalog"]>>();
  });

  it("takes a full Client, Registry or Repository where its own is expected, and not the other way round", () => {
    expectTypeOf<Repository>().toExtend<pull.Repository>();
    expectTypeOf<Registry>().toExtend<pull.Registry>();
    expectTypeOf<Client>().toExtend<pull.Client>();
    expectTypeOf<pull.Repository>().not.toExtend<Repository>();
    expectTypeOf<pull.Client>().not.toExtend<Client>();
    typeOnly(() => {
      const pullOnly = (r: pull.Repository) => r.pull("v1");
      pullOnly(repo);
      expectTypeOf(registry.repo("app")).toEqualTypeOf<Repository>();
      expectTypeOf<ReturnType<pull.Registry["repo"]>>().toEqualTypeOf<pull.Repository>();
      expectTypeOf<ReturnType<pull.Client["repo"]>>().toEqualTypeOf<pull.Repository>();
      expectTypeOf<ReturnType<Client["repo"]>>().toEqualTypeOf<Repository>();
      expectTypeOf<Repository["registry"]>().toEqualTypeOf<Registry>();
    });
  });

  it("leaves the main entry's names as they were (it re-exports the pull entry's and its own)", () => {
    type Main = typeof import("../src/index.js");
    expectTypeOf<keyof Main>().toEqualTypeOf<
      | "Client"
      | "OciError"
      | "Reference"
      | "Registry"
      | "Repository"
      | "artifactFiles"
      | "consoleLogger"
      | "isOciError"
      | "parseReference"
      | "silentLogger"
    >();
    expectTypeOf<Main["Client"]>().toEqualTypeOf<typeof Client>();
    typeOnly(() => {
      type Names = [
        import("../src/index.js").ArtifactConfig,
        import("../src/index.js").ArtifactFile,
        import("../src/index.js").ArtifactFileType,
        import("../src/index.js").BlobProgressCallback,
        import("../src/index.js").BlobPushOptions,
        import("../src/index.js").CatalogOptions,
        import("../src/index.js").ClientOptions,
        import("../src/index.js").CopyOptions,
        import("../src/index.js").CredentialProvider,
        import("../src/index.js").Descriptor,
        import("../src/index.js").FetchOptions,
        import("../src/index.js").FileData,
        import("../src/index.js").LogFields,
        import("../src/index.js").Logger,
        import("../src/index.js").MirrorOptions,
        import("../src/index.js").OciErrorCode,
        import("../src/index.js").Platform,
        import("../src/index.js").PlatformSelector,
        import("../src/index.js").PullOptions,
        import("../src/index.js").PushArtifactOptions,
        import("../src/index.js").PushData,
        import("../src/index.js").PushFile,
        import("../src/index.js").ReferrersOptions,
        import("../src/index.js").RegistryOptions,
        import("../src/index.js").ResolveOptions,
        import("../src/index.js").SignalOptions,
        import("../src/index.js").TagOptions,
        import("../src/index.js").TransferEvent,
        import("../src/index.js").TransferOptions,
        import("../src/index.js").TreePushOptions,
        import("../src/index.js").Auth,
        import("../src/index.js").AnonymousAuth,
        import("../src/index.js").BasicAuth,
        import("../src/index.js").BearerAuth,
        import("../src/index.js").ProvidedCredentials,
        import("../src/index.js").RefreshTokenAuth,
      ];
      expectTypeOf<Names["length"]>().toEqualTypeOf<36>();
    });
  });

  it("has no writing calls", () => {
    expectTypeOf<pull.Repository>().not.toHaveProperty("push");
    expectTypeOf<pull.Repository>().not.toHaveProperty("tag");
    expectTypeOf<pull.Repository>().not.toHaveProperty("delete");
    expectTypeOf<pull.Repository>().not.toHaveProperty("pushArtifact");
    expectTypeOf<pull.Client>().not.toHaveProperty("copy");
  });
});
