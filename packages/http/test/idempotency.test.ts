import { describe, expect, it } from "@effect/vitest"
import { CartNotFound, DownstreamUnavailable } from "@orchestra/core/domain/Errors"
import { Deferred, Effect, Fiber } from "effect"
import { MemoryStores, RedisStores } from "../src/server/Stores.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { send, type TestServerOptions, testServer } from "./support/server.ts"
import { type FlowBehaviour, FlowCalls } from "./support/TestFlows.ts"

const items = (quantity: number) => ({ operations: [{ op: "ADD", product_id: "prod-1", quantity }] })

const flowCount = Effect.gen(function* () {
  return (yield* (yield* FlowCalls).all).length
})

/** Fails the first call with a 503, then lets every later call through. */
const failFirst = (): FlowBehaviour => {
  let calls = 0
  return () =>
    Effect.suspend(() =>
      calls++ === 0 ? Effect.fail(new DownstreamUnavailable({ message: "cart is down", service: "cart" })) : Effect.void
    )
}

const suite = (backend: "memory" | "redis", base: TestServerOptions) => {
  const server = (behaviour?: FlowBehaviour) => testServer({ ...base, ...(behaviour === undefined ? {} : { behaviour }) })
  // A fresh owner per test: Redis outlives the test run.
  const owner = () => ({ "x-domain-id": "dom-1", "x-customer-id": freshId("cust") })

  describe(`Idempotency-Key (${backend})`, () => {
    it.live("the same key and body replays the stored answer; the flow runs once", () =>
      Effect.gen(function* () {
        const headers = { ...owner(), "idempotency-key": "key-1" }
        const first = yield* send("POST", "/cart/items", { headers, body: items(1) })
        const second = yield* send("POST", "/cart/items", { headers, body: items(1) })
        expect(first.status).toBe(200)
        expect(first.headers["idempotent-replayed"]).toBeUndefined()
        expect(second.status).toBe(200)
        expect(second.headers["idempotent-replayed"]).toBe("true")
        expect(second.headers["content-type"]).toBe(first.headers["content-type"])
        expect(second.text).toBe(first.text)
        // The replay is a new request: its own request id.
        expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"])
        expect(yield* flowCount).toBe(1)
      }).pipe(Effect.provide(server()))
    )

    it.live("the same key with another body, query or endpoint is a 422", () =>
      Effect.gen(function* () {
        const headers = { ...owner(), "idempotency-key": "key-2" }
        expect((yield* send("POST", "/cart/items", { headers, body: items(1) })).status).toBe(200)
        for (const [method, path, body] of [
          ["POST", "/cart/items", items(2)],
          ["POST", "/cart/items?compute=false", items(1)],
          ["POST", "/buy-now", items(1)],
          ["DELETE", "/cart", undefined]
        ] as const) {
          const reused = yield* send(method, path, { headers, body })
          expect(reused.status).toBe(422)
          expect(reused.json).toMatchObject({ success: false, error: { code: "IDEMPOTENCY_KEY_REUSED" } })
        }
        expect(yield* flowCount).toBe(1)
      }).pipe(Effect.provide(server()))
    )

    it.live("a second request while the first still runs is a 409; the first completes", () =>
      Effect.gen(function* () {
        // The first request's flow runs until the test lets it finish: the second surely meets it running.
        const running = yield* Deferred.make<void>()
        const finish = yield* Deferred.make<void>()
        const behaviour: FlowBehaviour = () => Effect.andThen(Deferred.succeed(running, undefined), Deferred.await(finish))
        yield* Effect.gen(function* () {
          const headers = { ...owner(), "idempotency-key": "key-3" }
          const first = yield* Effect.forkChild(send("PUT", "/cart", { headers, body: { tips: { amount: 5, currency: "INR" } } }))
          yield* Deferred.await(running)
          const second = yield* send("PUT", "/cart", { headers, body: { tips: { amount: 5, currency: "INR" } } })
          expect(second.status).toBe(409)
          expect(second.json).toMatchObject({ success: false, error: { code: "IDEMPOTENCY_IN_PROGRESS" } })
          yield* Deferred.succeed(finish, undefined)
          expect((yield* Fiber.join(first)).status).toBe(200)
          const third = yield* send("PUT", "/cart", { headers, body: { tips: { amount: 5, currency: "INR" } } })
          expect(third.headers["idempotent-replayed"]).toBe("true")
          expect(yield* flowCount).toBe(1)
        }).pipe(Effect.provide(server(behaviour)))
      })
    )

    it.live("a 5xx is not stored: a retry with the key runs again and can succeed", () =>
      Effect.gen(function* () {
        const headers = { ...owner(), "idempotency-key": "key-4" }
        const failed = yield* send("DELETE", "/cart", { headers })
        expect(failed.status).toBe(503)
        const retried = yield* send("DELETE", "/cart", { headers })
        expect(retried.status).toBe(200)
        expect(retried.headers["idempotent-replayed"]).toBeUndefined()
        expect(yield* flowCount).toBe(2)
      }).pipe(Effect.provide(server(failFirst())))
    )

    it.live("a validation failure is not stored: the same key then works with a valid body", () =>
      Effect.gen(function* () {
        const headers = { ...owner(), "idempotency-key": "key-5" }
        expect((yield* send("POST", "/cart/items", { headers, body: { operations: [] } })).status).toBe(400)
        const valid = yield* send("POST", "/cart/items", { headers, body: items(1) })
        expect(valid.status).toBe(200)
        expect(yield* flowCount).toBe(1)
      }).pipe(Effect.provide(server()))
    )

    it.live("a business 4xx is the request's answer: it is replayed", () =>
      Effect.gen(function* () {
        const headers = { ...owner(), "idempotency-key": "key-6" }
        const first = yield* send("DELETE", "/cart", { headers })
        expect(first.status).toBe(404)
        const second = yield* send("DELETE", "/cart", { headers })
        expect(second.status).toBe(404)
        expect(second.headers["idempotent-replayed"]).toBe("true")
        expect(second.json).toEqual(first.json)
        expect(yield* flowCount).toBe(1)
      }).pipe(Effect.provide(server(() => new CartNotFound({ message: "no cart" }))))
    )

    it.live("keys belong to one owner", () =>
      Effect.gen(function* () {
        yield* send("POST", "/buy-now", { headers: { ...owner(), "idempotency-key": "key-7" }, body: items(1) })
        const other = yield* send("POST", "/buy-now", { headers: { ...owner(), "idempotency-key": "key-7" }, body: items(1) })
        expect(other.status).toBe(200)
        expect(other.headers["idempotent-replayed"]).toBeUndefined()
        expect(yield* flowCount).toBe(2)
      }).pipe(Effect.provide(server()))
    )
  })
}

suite("memory", { stores: MemoryStores })

describe.skipIf(skipRedis)("with Redis", () => {
  suite("redis", { stores: RedisStores, env: { REDIS_URL: redisUrl } })
})

describe("Idempotency-Key limits", () => {
  const headers = { "x-domain-id": "dom-1", "x-customer-id": "cust-1" }

  it.live("a key longer than 255 characters is a 400 naming the header", () =>
    Effect.gen(function* () {
      const answer = yield* send("DELETE", "/cart", { headers: { ...headers, "idempotency-key": "k".repeat(256) } })
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({ error: { code: "INVALID_REQUEST", message: expect.stringContaining("Idempotency-Key") } })
      expect((yield* send("DELETE", "/cart", { headers: { ...headers, "idempotency-key": "k".repeat(255) } })).status).toBe(200)
      expect(yield* flowCount).toBe(1)
    }).pipe(Effect.provide(testServer()))
  )

  it.live("reads do not use the key", () =>
    Effect.gen(function* () {
      yield* send("GET", "/cart", { headers: { ...headers, "idempotency-key": "k-get" } })
      const again = yield* send("GET", "/cart", { headers: { ...headers, "idempotency-key": "k-get" } })
      expect(again.headers["idempotent-replayed"]).toBeUndefined()
      expect(yield* flowCount).toBe(2)
    }).pipe(Effect.provide(testServer()))
  )
})
