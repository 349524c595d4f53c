import { describe, expect, it } from "@effect/vitest"
import { AbuseLimits } from "@orchestra/core/limits/AbuseLimits"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { IdempotencyStore } from "@orchestra/core/stores/IdempotencyStore"
import { RedisConnection } from "@orchestra/core/stores/RedisConnection"
import { Effect, Layer, Schema } from "effect"
import { CartMutex } from "../src/concurrency/CartMutex.ts"
import { Readiness } from "../src/ops/Readiness.ts"
import { redisUrl, skipRedis } from "./support/redis.ts"
import { customer, send, testServer } from "./support/server.ts"

describe("ops endpoints", () => {
  it.live("GET /health is always 200", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/health")
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual({ status: "ok" })
    }).pipe(Effect.provide(testServer()))
  )

  it.live("GET /ready with memory stores reports Redis as not configured and checkouts in memory", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/ready")
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual({ status: "ok", redis: "not configured", checkouts: "memory" })
    }).pipe(Effect.provide(testServer()))
  )

  describe.skipIf(skipRedis)("with Redis", () => {
    // Memory stores except readiness, which asks the Redis connection the test can cut. One layer
    // value, so server and test share one connection.
    const redis = RedisConnection.layerFromUrl(redisUrl)
    const stores = CartMutex.layer.pipe(
      Layer.provideMerge(Layer.mergeAll(CartCache.layerMemory, CartLock.layerMemory, IdempotencyStore.layerMemory, AbuseLimits.layerMemory, Readiness.layerRedis)),
      Layer.provide(redis)
    )

    it.live("GET /ready is 200 while Redis answers, 503 once it does not; mutations keep working", () =>
      Effect.gen(function* () {
        const up = yield* send("GET", "/ready")
        expect(up.status).toBe(200)
        expect(up.json).toEqual({ status: "ok", redis: "up", checkouts: "memory" })

        const connection = yield* RedisConnection
        connection.client.disconnect()
        const down = yield* send("GET", "/ready")
        expect(down.status).toBe(503)
        expect(down.json).toEqual({ status: "unavailable", redis: "down", checkouts: "memory" })
        expect((yield* send("GET", "/health")).status).toBe(200)
      }).pipe(Effect.provide(Layer.mergeAll(testServer({ stores }), redis)))
    )
  })
})

describe("API documents", () => {
  const OpenApiDocument = Schema.Struct({
    openapi: Schema.String,
    info: Schema.Struct({ title: Schema.String }),
    paths: Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Unknown))
  })

  it.live("/openapi.json documents every endpoint, its errors and headers", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const document = Schema.decodeUnknownSync(OpenApiDocument)(answer.json)
      expect(document.info.title).toBe("Orchestra cart & checkout orchestrator")
      const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)
      )
      expect(operations.sort()).toEqual(
        [
          "DELETE /cart",
          "GET /cart",
          "GET /cart/suggestions",
          "GET /health",
          "GET /metrics",
          "GET /ready",
          "POST /buy-now",
          "POST /cart/items",
          "POST /cart/place-order",
          "POST /payments/webhooks/{gateway}",
          "PUT /cart"
        ].sort()
      )
      const text = answer.text
      for (const documented of [
        "x-domain-id",
        "x-customer-id",
        "x-session-id",
        "x-gateway-signature",
        "x-gateway-timestamp",
        "idempotency-key",
        "x-request-id",
        "cart_type",
        "compute",
        "Error400",
        "Error401",
        "Error409",
        "Error413",
        "Error422",
        "Error504",
        "IDEMPOTENCY_KEY_REUSED",
        "request_id"
      ]) {
        expect(text).toContain(documented)
      }
    }).pipe(Effect.provide(testServer()))
  )

  it.live("/docs serves Swagger UI", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/docs")
      expect(answer.status).toBe(200)
      expect(answer.headers["content-type"]).toContain("text/html")
      expect(answer.text).toContain("swagger")
    }).pipe(Effect.provide(testServer()))
  )

  it.live("the cart endpoints need identity, the documents do not", () =>
    Effect.gen(function* () {
      expect((yield* send("GET", "/cart")).status).toBe(401)
      expect((yield* send("GET", "/cart", { headers: customer })).status).toBe(200)
    }).pipe(Effect.provide(testServer()))
  )
})
