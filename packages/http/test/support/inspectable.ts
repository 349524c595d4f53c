import { NodeHttpServer } from "@effect/platform-node"
import { CheckoutEngineMemory } from "@orchestra/core/checkout/CheckoutEngine"
import { ResilienceLive } from "@orchestra/core/resilience/ResilienceConfig"
import { sandboxFlows } from "@orchestra/testkit/sandbox/SandboxEnvironment"
import { ConfigProvider, Layer } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { HttpApp } from "../../src/server/HttpApp.ts"
import type { MemoryStores, RedisStores } from "../../src/server/Stores.ts"
import { silentLogs } from "./logs.ts"

/** The HTTP app over the real flows and the in-memory engine, with the sandbox exposed to count what happened downstream. */
export const inspectableOn = (stores: typeof MemoryStores | typeof RedisStores, env: Record<string, string>) =>
  HttpApp.pipe(
    Layer.provideMerge(sandboxFlows()),
    Layer.provideMerge(Layer.merge(stores, CheckoutEngineMemory)),
    Layer.provide(ResilienceLive),
    Layer.provide(ServerConfig.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(silentLogs)
  )
