import { describe, expect, it } from "@effect/vitest"
import { urlEnvOf } from "@orchestra/core/services/Downstream"
import { downstreamServices } from "@orchestra/core/services/index"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { ServerConfig } from "../src/config/ServerConfig.ts"

const load = (env: Record<string, string>) =>
  ServerConfig.load.pipe(Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))

const allUrls = Object.fromEntries(downstreamServices.map((service) => [urlEnvOf(service), `http://${service}.internal`]))

describe("server configuration", () => {
  it.effect("no downstream URL: sandbox mode with the defaults", () =>
    Effect.gen(function* () {
      const config = yield* load({})
      expect(config).toMatchObject({
        port: 3000,
        mode: "sandbox",
        debugTrace: false,
        requestDeadlineMs: 5000,
        sandboxFaults: []
      })
      expect(Option.isNone(config.gatewaySecret)).toBe(true)
      expect(Option.isNone(config.redisUrl)).toBe(true)
    })
  )

  it.effect("every downstream URL and a secret: live mode", () =>
    Effect.gen(function* () {
      const config = yield* load({ ...allUrls, ORCHESTRA_GATEWAY_SECRET: "s3cret", PORT: "8080", REDIS_URL: "redis://r:6379" })
      expect(config.mode).toBe("live")
      expect(config.port).toBe(8080)
      expect(Option.map(config.gatewaySecret, Redacted.value)).toEqual(Option.some("s3cret"))
      expect(config.redisUrl).toEqual(Option.some("redis://r:6379"))
    })
  )

  it.effect("any downstream URL means live mode, which refuses to start naming everything missing", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(load({ CART_SERVICE_URL: "http://cart.internal" }))
      expect(error._tag).toBe("ServerConfigError")
      expect(error.message).toContain("SELLER_ADMIN_SERVICE_URL")
      expect(error.message).toContain("RECOMMENDATIONS_SERVICE_URL")
      expect(error.message).toContain("ORCHESTRA_GATEWAY_SECRET")
      expect(error.message).not.toContain("CART_SERVICE_URL,")
    })
  )

  it.effect("ORCHESTRA_MODE overrides the guess both ways", () =>
    Effect.gen(function* () {
      const forcedLive = yield* Effect.flip(load({ ORCHESTRA_MODE: "live", ORCHESTRA_GATEWAY_SECRET: "s" }))
      for (const service of downstreamServices) expect(forcedLive.message).toContain(urlEnvOf(service))
      const forcedSandbox = yield* load({ ORCHESTRA_MODE: "sandbox", CART_SERVICE_URL: "http://cart.internal" })
      expect(forcedSandbox.mode).toBe("sandbox")
      const unknown = yield* Effect.flip(load({ ORCHESTRA_MODE: "staging" }))
      expect(unknown._tag).toBe("ConfigError")
    })
  )

  it.effect("empty variables count as unset", () =>
    Effect.gen(function* () {
      const config = yield* load({ CART_SERVICE_URL: "", REDIS_URL: " ", ORCHESTRA_GATEWAY_SECRET: "" })
      expect(config.mode).toBe("sandbox")
      expect(Option.isNone(config.redisUrl)).toBe(true)
      expect(Option.isNone(config.gatewaySecret)).toBe(true)
    })
  )

  it.effect("REDIS_CLUSTER_NODES picks a Redis Cluster; REDIS_URL then only lends its credentials", () =>
    Effect.gen(function* () {
      const single = yield* load({ REDIS_URL: "redis://r:6379" })
      expect(single.redis).toEqual(Option.some({ _tag: "Single", url: "redis://r:6379" }))
      const cluster = yield* load({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002", REDIS_URL: "redis://app:s%40crt@r:6379" })
      expect(cluster.redis).toEqual(
        Option.some({
          _tag: "Cluster",
          nodes: [
            { host: "10.0.0.1", port: 7000 },
            { host: "10.0.0.2", port: 7001 },
            { host: "::1", port: 7002 }
          ],
          username: "app",
          password: "s@crt"
        })
      )
      expect(Option.isNone((yield* load({ REDIS_CLUSTER_NODES: " " })).redis)).toBe(true)
      const bad = yield* Effect.flip(load({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2" }))
      expect(bad._tag).toBe("ServerConfigError")
      expect(bad.message).toContain("REDIS_CLUSTER_NODES")
      expect(bad.message).toContain("10.0.0.2")
    })
  )

  it.effect("sandbox faults, the debug flag and the deadline are read", () =>
    Effect.gen(function* () {
      const config = yield* load({
        ORCHESTRA_SANDBOX_FAULTS: "inventory.checkAvailability=latency:300ms@0.5,cart.*=error:503",
        ORCHESTRA_DEBUG_TRACE: "true",
        ORCHESTRA_REQUEST_DEADLINE_MS: "2500"
      })
      expect(config.sandboxFaults.map((rule) => rule.target)).toEqual(["inventory.checkAvailability", "cart.*"])
      expect(config.debugTrace).toBe(true)
      expect(config.requestDeadlineMs).toBe(2500)
    })
  )

  it.effect("bad values are refused with the variable named", () =>
    Effect.gen(function* () {
      const faults = yield* Effect.flip(load({ ORCHESTRA_SANDBOX_FAULTS: "cart=broken" }))
      expect(faults.message).toContain("ORCHESTRA_SANDBOX_FAULTS")
      const port = yield* Effect.flip(load({ PORT: "eighty" }))
      expect(port._tag).toBe("ConfigError")
      expect(String(port)).toContain("PORT")
      const deadline = yield* Effect.flip(load({ ORCHESTRA_REQUEST_DEADLINE_MS: "0" }))
      expect(deadline.message).toContain("ORCHESTRA_REQUEST_DEADLINE_MS")
      const liveFaults = yield* Effect.flip(
        load({ ...allUrls, ORCHESTRA_GATEWAY_SECRET: "s", ORCHESTRA_SANDBOX_FAULTS: "cart.*=timeout" })
      )
      expect(liveFaults.message).toContain("sandbox")
    })
  )
})
