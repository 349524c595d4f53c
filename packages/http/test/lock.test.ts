import { describe, expect, it } from "@effect/vitest"
import { AbuseLimits } from "@orchestra/core/limits/AbuseLimits"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { IdempotencyStore } from "@orchestra/core/stores/IdempotencyStore"
import { StoreUnavailable } from "@orchestra/core/stores/StoreUnavailable"
import { Clock, Deferred, Effect, Fiber, Layer } from "effect"
import { CartMutex } from "../src/concurrency/CartMutex.ts"
import { Readiness } from "../src/ops/Readiness.ts"
import { RedisStores } from "../src/server/Stores.ts"
import { makeLogCapture } from "./support/logs.ts"
import { redisCli, redisProcess, skipRedisProcesses, waitUntil } from "./support/processes.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { customer, guest, send, type TestServerOptions, testServer } from "./support/server.ts"
import type { FlowBehaviour } from "./support/TestFlows.ts"

const items = { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1 }] }

/**
 * Adding items for a "held-*" customer holds the cart until the test lets go: the test learns the
 * lock is held (`holding`) and ends the hold (`letGo`) itself, so no step depends on how long
 * anything takes on a loaded machine.
 */
const holdingCarts = Effect.gen(function* () {
  const holding = yield* Deferred.make<void>()
  const letGo = yield* Deferred.make<void>()
  const behaviour: FlowBehaviour = (call) =>
    call.flow === "itemsFull" && call.owner._tag === "Customer" && call.owner.customerId.startsWith("held")
      ? Effect.andThen(Deferred.succeed(holding, undefined), Deferred.await(letGo))
      : Effect.void
  return { behaviour, holding: Deferred.await(holding), letGo: Deferred.succeed(letGo, undefined) }
})

const held = () => ({ "x-domain-id": "dom-1", "x-customer-id": freshId("held") })

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const result = yield* effect
    return { result, ms: (yield* Clock.currentTimeMillis) - start }
  })

/** Runs `test` against a test server whose items flow holds "held-*" carts until told. */
const withHolds = (
  options: TestServerOptions,
  test: (hold: Effect.Success<typeof holdingCarts>) => Effect.Effect<void, unknown, Layer.Success<ReturnType<typeof testServer>>>
) =>
  Effect.flatMap(holdingCarts, (hold) => test(hold).pipe(Effect.provide(testServer({ ...options, behaviour: hold.behaviour }))))

const lockSuite = (name: string, options: TestServerOptions) =>
  describe(name, () => {
    it.live("a second mutation of a held cart waits 2 s, then is a 409 CART_BUSY with Retry-After; the same key runs once the cart is free", () =>
      withHolds(options, (hold) =>
        Effect.gen(function* () {
          const owner = held()
          const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: owner, body: items }))
          yield* hold.holding
          const { result: second, ms } = yield* elapsed(send("DELETE", "/cart", { headers: { ...owner, "idempotency-key": "busy-key" } }))
          expect(second.status).toBe(409)
          expect(second.json).toMatchObject({ success: false, error: { code: "CART_BUSY" } })
          expect(second.headers["retry-after"]).toBe("1")
          // It waited for the lock before giving up (a lower bound: a loaded machine only makes it longer).
          expect(ms).toBeGreaterThanOrEqual(2_000)
          yield* hold.letGo
          expect((yield* Fiber.join(first)).status).toBe(200)
          // CART_BUSY is not the request's answer: the same key runs it once the cart is free.
          const retried = yield* send("DELETE", "/cart", { headers: { ...owner, "idempotency-key": "busy-key" } })
          expect(retried.status).toBe(200)
          expect(retried.headers["idempotent-replayed"]).toBeUndefined()
        })
      )
    )

    it.live("mutations of other owners' carts, or of the owner's other cart, do not wait for a held one", () =>
      withHolds(options, (hold) =>
        Effect.gen(function* () {
          const owner = held()
          const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: owner, body: items }))
          yield* hold.holding
          const others = yield* Effect.all(
            [
              send("POST", "/cart/items", { headers: customer, body: items }),
              send("PUT", "/cart", { headers: guest, body: { tips: { amount: 1, currency: "INR" } } }),
              send("POST", "/buy-now", { headers: owner, body: items })
            ],
            { concurrency: "unbounded" }
          )
          expect(others.map((answer) => answer.status)).toEqual([200, 200, 200])
          // All answered while the first still held its cart: none of them waited for it.
          expect(first.pollUnsafe()).toBeUndefined()
          yield* hold.letGo
          expect((yield* Fiber.join(first)).status).toBe(200)
        })
      )
    )
  })

lockSuite("cart lock (memory)", {})

describe.skipIf(skipRedis)("with Redis", () => {
  lockSuite("cart lock (redis)", { stores: RedisStores, env: { REDIS_URL: redisUrl } })
})

describe("cart lock with the lock store down", () => {
  const down = new StoreUnavailable({ store: "CartLock", message: "connection refused", reason: "Down" })
  const DownLock = Layer.succeed(
    CartLock,
    CartLock.of({
      acquire: () => Effect.fail(down),
      release: () => Effect.fail(down),
      renew: () => Effect.fail(down),
      holding: (_lease, effect) => effect,
      withLock: () => Effect.fail(down)
    })
  )
  const stores = CartMutex.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(CartCache.layerMemory, DownLock, IdempotencyStore.layerMemory, AbuseLimits.layerMemory, Readiness.layerMemory))
  )

  it.live("mutations still work, under an in-process lock, with a warning that says single instance only", () => {
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: customer, body: items })
      expect(answer.status).toBe(200)
      const warning = logs.lines().find((line) => line.level === "WARN")
      expect(String(warning?.message)).toContain("lock degraded")
      expect(String(warning?.message)).toContain("single instance only")
      expect(warning?.annotations).toMatchObject({ request_id: answer.headers["x-request-id"] })
    }).pipe(Effect.provide(testServer({ stores, logs })))
  })

  it.live("the in-process lock still serialises one cart, and only that cart", () =>
    withHolds({ stores }, (hold) =>
      Effect.gen(function* () {
        const owner = held()
        const first = yield* Effect.forkChild(send("POST", "/cart/items", { headers: owner, body: items }))
        yield* hold.holding
        const other = yield* send("DELETE", "/cart", { headers: customer })
        expect(other.status).toBe(200)
        expect(first.pollUnsafe()).toBeUndefined()
        const second = yield* send("PUT", "/cart", { headers: owner, body: { tips: { amount: 1, currency: "INR" } } })
        expect(second.status).toBe(409)
        expect(second.json).toMatchObject({ error: { code: "CART_BUSY" } })
        yield* hold.letGo
        expect((yield* Fiber.join(first)).status).toBe(200)
      })
    )
  )
})

describe.skipIf(skipRedisProcesses)("cart lock with a Redis that answers slowly", () => {
  it.live(
    "no in-process fallback while Redis is connected: the mutation waits, then answers CART_BUSY with Retry-After",
    () =>
      Effect.gen(function* () {
        const redis = yield* redisProcess
        const logs = makeLogCapture()
        yield* Effect.gen(function* () {
          expect((yield* send("POST", "/cart/items", { headers: customer, body: items })).status).toBe(200)
          // Redis stops answering anyone for 8 s, but keeps the connections: a slow Redis, not a dead one.
          yield* redisCli(redis.port, ["client", "pause", "8000", "all"])
          const busy = yield* send("POST", "/cart/items", { headers: customer, body: items })
          expect(busy.status).toBe(409)
          expect(busy.json).toMatchObject({ error: { code: "CART_BUSY", message: expect.stringContaining("lock store is slow") } })
          expect(busy.headers["retry-after"]).toBe("1")
          expect(logs.lines().filter((line) => String(line.message).includes("lock degraded"))).toEqual([])
          // Once Redis answers again, so does the cart (the pause cannot be lifted early: CLIENT UNPAUSE waits too).
          yield* waitUntil("the paused Redis to answer", Effect.map(redisCli(redis.port, ["ping"]), (reply) => reply.trim() === "PONG"), 100, 100)
          expect((yield* send("POST", "/cart/items", { headers: customer, body: items })).status).toBe(200)
        }).pipe(Effect.provide(testServer({ stores: RedisStores, logs, env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: "200" } })))
      }).pipe(Effect.scoped),
    30_000
  )
})
