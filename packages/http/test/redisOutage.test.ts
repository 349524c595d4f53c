import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { makeLogCapture } from "./support/logs.ts"
import { codOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { freePort, redisProcess, skipRedisProcesses, waitUntil } from "./support/processes.ts"
import { send } from "./support/server.ts"

const shopper = () => ({ "x-domain-id": "dom_demo", "x-customer-id": `cust_outage_${crypto.randomUUID()}` })
const addScreen = { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 1 }] }
// Half-open after 1 s instead of 10: the cache's breaker opened during the outage, and recovery is what is tested.
const fastBreakers = { ORCHESTRA_BREAKER_COOLDOWN_MS: "1000" }

const degradedLocks = (logs: ReturnType<typeof makeLogCapture>) =>
  logs.lines().filter((line) => String(line.message).includes("lock degraded")).length

/**
 * What every request does while Redis is down (DESIGN §5): reads are computed fresh (the cache
 * steps are optional), mutations lock in-process, and /ready says so. Place-order still works, key
 * and all: its key and its state live with the checkout's workflow engine, not in Redis. Nothing
 * waits on Redis.
 */
const expectDegraded = (headers: Record<string, string>, logs: ReturnType<typeof makeLogCapture>) =>
  Effect.gen(function* () {
    const ready = yield* send("GET", "/ready")
    expect(ready.status).toBe(503)
    expect(ready.json).toEqual({ status: "unavailable", redis: "down", checkouts: "memory" })

    // A Redis that cannot be reached fails the lock at once (a slow one would be waited for, then CART_BUSY):
    // the mutation runs under the in-process lock, and says so.
    const locksBefore = degradedLocks(logs)
    const added = yield* send("POST", "/cart/items", { headers, body: addScreen })
    expect(added.status).toBe(200)
    expect(degradedLocks(logs)).toBeGreaterThan(locksBefore)

    const full = yield* send("GET", "/cart", { headers })
    expect(full.status).toBe(200)
    expect(full.json).toMatchObject({ success: true, stale: false, warnings: [{ code: "CACHE_UNAVAILABLE" }] })
    const cached = yield* send("GET", "/cart?compute=false", { headers })
    expect(cached.status).toBe(200)
    expect(cached.json).toMatchObject({ success: true, from_cache: false })

    const updated = yield* send("PUT", "/cart", { headers, body: { pickup_point: { pickup_point_id: "pickup_1" } } })
    expect(updated.status).toBe(200)
    const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(updated)) }
    const placed = yield* send("POST", "/cart/place-order", order)
    expect(placed.status).toBe(200)
    expect(placed.json).toMatchObject({ success: true, order: { order_status: "CONFIRMED" } })
    const replayed = yield* send("POST", "/cart/place-order", order)
    expect(replayed.headers["idempotent-replayed"]).toBe("true")
  })

describe("Redis down at start", () => {
  it.live("the server starts anyway and serves degraded: GET 200, cart mutations 200, place-order 200", () => {
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      const headers = shopper()
      yield* expectDegraded(headers, logs)
      // The start-up said so, naming the Redis it could not reach.
      expect(logs.lines().some((line) => String(line.message).includes("does not answer: serving without it"))).toBe(true)
      // A mutation under a key still runs (without the key) rather than failing.
      const keyed = yield* send("POST", "/cart/items", { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: addScreen })
      expect(keyed.status).toBe(200)
    }).pipe(Effect.provide(Layer.unwrap(Effect.map(freePort, (port) => orchestraTestServer({ REDIS_URL: `redis://127.0.0.1:${port}` }, logs)))))
  })
})

describe.skipIf(skipRedisProcesses)("Redis stopped mid-run", () => {
  it.live(
    "serves normally, degrades while Redis is dead, and recovers once it is back on the same port",
    () =>
      Effect.gen(function* () {
        const redis = yield* redisProcess
        const logs = makeLogCapture()
        const headers = shopper()
        yield* Effect.gen(function* () {
          // Up: the shared lock, the cache and the idempotency store are Redis.
          expect((yield* send("GET", "/ready")).json).toEqual({ status: "ok", redis: "up", checkouts: "memory" })
          expect((yield* send("POST", "/cart/items", { headers, body: addScreen })).status).toBe(200)
          expect((yield* send("GET", "/cart?compute=false", { headers })).json).toMatchObject({ from_cache: true })
          expect(degradedLocks(logs)).toBe(0)

          yield* redis.kill
          yield* expectDegraded(headers, logs)

          yield* redis.restart
          yield* waitUntil(
            "/ready to report Redis up again",
            Effect.map(send("GET", "/ready"), (answer) => answer.status === 200),
            60,
            100
          )
          // Past the cache breaker's cool-down, so its trial call finds Redis back.
          yield* Effect.sleep("1100 millis")
          const locksBefore = degradedLocks(logs)
          const ready = yield* readyCart(headers)
          expect(ready.status).toBe(200)
          expect(degradedLocks(logs)).toBe(locksBefore)
          expect((yield* send("GET", "/cart?compute=false", { headers })).json).toMatchObject({ from_cache: true })

          const order = { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(netPayableOf(ready)) }
          const placed = yield* send("POST", "/cart/place-order", order)
          expect(placed.status).toBe(200)
          expect(placed.json).toMatchObject({ success: true, order: { order_status: "CONFIRMED" } })
          const replayed = yield* send("POST", "/cart/place-order", order)
          expect(replayed.headers["idempotent-replayed"]).toBe("true")
          expect(replayed.json).toEqual(placed.json)
        }).pipe(Effect.provide(orchestraTestServer({ REDIS_URL: redis.url, ...fastBreakers }, logs)))
      }),
    30_000
  )
})
