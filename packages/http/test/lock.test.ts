import { describe, expect, it } from "@effect/vitest"
import { AbuseLimits } from "@orchestra/core/limits/AbuseLimits"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { IdempotencyStore } from "@orchestra/core/stores/IdempotencyStore"
import { StoreUnavailable } from "@orchestra/core/stores/StoreUnavailable"
import { Clock, Effect, Fiber, Layer } from "effect"
import { CartMutex } from "../src/concurrency/CartMutex.ts"
import { Readiness } from "../src/ops/Readiness.ts"
import { RedisStores } from "../src/server/Stores.ts"
import { makeLogCapture } from "./support/logs.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { customer, guest, send, type TestServerOptions, testServer } from "./support/server.ts"
import type { FlowBehaviour } from "./support/TestFlows.ts"

const items = { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1 }] }

// Adding items for a "slow-*" customer holds the cart for 2.5 s, longer than anyone waits for it.
const slowOwners: FlowBehaviour = (call) =>
  call.flow === "itemsFull" && call.owner._tag === "Customer" && call.owner.customerId.startsWith("slow")
    ? Effect.sleep("2500 millis")
    : Effect.void

const slow = (id = "slow-1") => ({ "x-domain-id": "dom-1", "x-customer-id": id })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const result = yield* effect
    return { result, ms: (yield* Clock.currentTimeMillis) - start }
  })

const lockSuite = (name: string, options: TestServerOptions) =>
  describe(name, () => {
    it.live("a second mutation of a cart held for more than 2 s is a 409 CART_BUSY, after waiting 2 s", () =>
      Effect.gen(function* () {
        const owner = slow(freshId("slow"))
        const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: owner, body: items }))
        yield* Effect.sleep("100 millis")
        const { result: second, ms } = yield* timed(send("DELETE", "/cart", { headers: { ...owner, "idempotency-key": "busy-key" } }))
        expect(second.status).toBe(409)
        expect(second.json).toMatchObject({ success: false, error: { code: "CART_BUSY" } })
        expect(ms).toBeGreaterThanOrEqual(1_900)
        expect((yield* Fiber.join(first)).status).toBe(200)
        // CART_BUSY is not the request's answer: the same key runs it once the cart is free.
        const retried = yield* send("DELETE", "/cart", { headers: { ...owner, "idempotency-key": "busy-key" } })
        expect(retried.status).toBe(200)
        expect(retried.headers["idempotent-replayed"]).toBeUndefined()
      }).pipe(Effect.provide(testServer({ ...options, behaviour: slowOwners })))
    )

    it.live("mutations of other owners' carts, or of the owner's other cart, do not wait", () =>
      Effect.gen(function* () {
        const owner = slow(freshId("slow"))
        const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: owner, body: items }))
        yield* Effect.sleep("100 millis")
        const others = yield* timed(
          Effect.all(
            [
              send("POST", "/cart/items", { headers: customer, body: items }),
              send("PUT", "/cart", { headers: guest, body: { tips: { amount: 1, currency: "INR" } } }),
              send("POST", "/buy-now", { headers: owner, body: items })
            ],
            { concurrency: "unbounded" }
          )
        )
        expect(others.result.map((answer) => answer.status)).toEqual([200, 200, 200])
        expect(others.ms).toBeLessThan(1_000)
        expect((yield* Fiber.join(first)).status).toBe(200)
      }).pipe(
        Effect.provide(
          testServer({
            ...options,
            behaviour: slowOwners
          })
        )
      )
    )
  })

lockSuite("cart lock (memory)", {})

describe.skipIf(skipRedis)("with Redis", () => {
  lockSuite("cart lock (redis)", { stores: RedisStores, env: { REDIS_URL: redisUrl } })
})

describe("cart lock with the lock store down", () => {
  const unavailable = new StoreUnavailable({ store: "CartLock", message: "connection refused" })
  const DownLock = Layer.succeed(
    CartLock,
    CartLock.of({
      acquire: () => Effect.fail(unavailable),
      release: () => Effect.fail(unavailable),
      withLock: () => Effect.fail(unavailable)
    })
  )
  const stores = CartMutex.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(CartCache.layerMemory, DownLock, IdempotencyStore.layerMemory, AbuseLimits.layerMemory, Readiness.layerMemory))
  )

  it.live("mutations still work, under an in-process lock, with a warning", () => {
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: customer, body: items })
      expect(answer.status).toBe(200)
      const warning = logs.lines().find((line) => line.level === "WARN")
      expect(String(warning?.message)).toContain("lock degraded")
      expect(warning?.annotations).toMatchObject({ request_id: answer.headers["x-request-id"] })
    }).pipe(Effect.provide(testServer({ stores, logs })))
  })

  it.live("the in-process lock still serialises one cart, and only that cart", () =>
    Effect.gen(function* () {
      const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: slow(), body: items }))
      yield* Effect.sleep("100 millis")
      const other = yield* Effect.forkChild(timed(send("DELETE", "/cart", { headers: customer })))
      const second = yield* send("PUT", "/cart", { headers: slow(), body: { tips: { amount: 1, currency: "INR" } } })
      expect(second.status).toBe(409)
      expect(second.json).toMatchObject({ error: { code: "CART_BUSY" } })
      const { result, ms } = yield* Fiber.join(other)
      expect(result.status).toBe(200)
      expect(ms).toBeLessThan(1_000)
      expect((yield* Fiber.join(first)).status).toBe(200)
    }).pipe(Effect.provide(testServer({ stores, behaviour: slowOwners })))
  )
})
