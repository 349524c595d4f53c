import { describe, expect, layer } from "@effect/vitest"
import { type CachedCart, CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock, LockTimeout } from "@orchestra/core/stores/CartLock"
import { BeginOutcome, IdempotencyStore } from "@orchestra/core/stores/IdempotencyStore"
import { RedisConnection } from "@orchestra/core/stores/RedisConnection"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { codOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { type RedisClusterProcesses, redisCli, redisCluster, skipRedisProcesses } from "./support/processes.ts"
import { send } from "./support/server.ts"

/** The test's own three-master cluster, killed and its directory removed when the suite ends. */
class TestCluster extends Context.Service<TestCluster, RedisClusterProcesses>()("orchestra/test/TestCluster") {}

const ClusterProcesses = Layer.effect(TestCluster, redisCluster)
const ClusterConnection = Layer.unwrap(
  Effect.gen(function* () {
    const cluster = yield* TestCluster
    return RedisConnection.layerFromClusterNodes(cluster.nodes)
  })
)
const ClusterStores = Layer.mergeAll(
  CartCache.layerRedis,
  CartLock.layerRedis,
  IdempotencyStore.layerRedis
).pipe(Layer.provideMerge(ClusterConnection), Layer.provideMerge(ClusterProcesses))

const id = (prefix: string) => `${prefix}-${crypto.randomUUID()}`

const entry = (cartId: string, version: number): CachedCart => ({
  cartId,
  version,
  computedAt: 1_700_000_000_000 + version,
  computed: true,
  body: JSON.stringify({ cartId, version })
})

const Placed = Schema.Struct({
  order: Schema.Struct({ id: Schema.String, order_status: Schema.String }),
  payment: Schema.Array(Schema.Struct({ amount: Schema.Number, gateway_order_id: Schema.optional(Schema.String) }))
})

describe.skipIf(skipRedisProcesses)("a real Redis Cluster (3 masters)", () => {
  layer(ClusterStores, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("the client is a cluster client, and the stores' keys spread over several masters", () =>
      Effect.gen(function* () {
        const connection = yield* RedisConnection
        expect("isCluster" in connection.client && connection.client.isCluster).toBe(true)
        const cache = yield* CartCache
        yield* Effect.forEach(Array.from({ length: 30 }, () => id("cart")), (cartId) => cache.set(entry(cartId, 1)), {
          concurrency: 10,
          discard: true
        })
        const cluster = yield* TestCluster
        const sizes = yield* Effect.forEach(cluster.nodes, (node) =>
          Effect.map(redisCli(node.port, ["dbsize"]), (reply) => Number(reply.trim()))
        )
        expect(sizes.filter((size) => size > 0).length).toBeGreaterThanOrEqual(2)
      })
    )

    it.effect("cart cache: versioned writes — older is stale, a tombstone refuses older, concurrent writes keep the max", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = id("cart")
        expect(yield* cache.set(entry(cartId, 5))).toBe("written")
        expect(yield* cache.set(entry(cartId, 4))).toBe("stale")
        expect(yield* cache.set(entry(cartId, 5))).toBe("written")
        yield* cache.invalidate(cartId, 7)
        expect(yield* cache.get(cartId)).toEqual(Option.none())
        expect(yield* cache.set(entry(cartId, 6))).toBe("stale")
        expect(yield* cache.set(entry(cartId, 7))).toBe("written")

        const raced = id("cart")
        yield* Effect.forEach([3, 9, 1, 8, 2, 9, 4], (version) => cache.set(entry(raced, version)), {
          concurrency: "unbounded",
          discard: true
        })
        expect(Option.map(yield* cache.get(raced), (cached) => cached.version)).toEqual(Option.some(9))

        const owner = `dom:${id("owner")}:DEFAULT`
        yield* cache.rememberOwner(owner, raced)
        expect(yield* cache.ownerCartId(owner)).toEqual(Option.some(raced))
      })
    )

    it.effect("cart lock: one holder at a time, released only by its holder", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = id("cart")
        const lease = yield* lock.acquire(scope)
        expect(yield* Effect.flip(lock.acquire(scope, { waitMs: 150 }))).toEqual(new LockTimeout({ scope }))
        expect(yield* lock.release({ ...lease, token: "not-the-holder" })).toBe(false)
        expect(yield* lock.release(lease)).toBe(true)
        const contenders = yield* Effect.all(
          Array.from({ length: 8 }, () => Effect.result(lock.acquire(scope, { waitMs: 50 }))),
          { concurrency: "unbounded" }
        )
        expect(contenders.filter((r) => r._tag === "Success")).toHaveLength(1)
      })
    )

    it.effect("idempotency: exactly one of concurrent begins starts; the completed answer replays; another body mismatches", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = id("owner")
        const key = id("key")
        const outcomes = yield* Effect.all(
          Array.from({ length: 8 }, () => store.begin(scope, key, "fp")),
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter((o) => o._tag === "Started")).toHaveLength(1)
        const response = { status: 200, body: "{}", headers: { "content-type": "application/json" } }
        yield* store.complete(scope, key, "fp", response)
        expect(yield* store.begin(scope, key, "fp")).toEqual(BeginOutcome.Completed({ response }))
        expect(yield* store.begin(scope, key, "other")).toEqual(BeginOutcome.Mismatch())
        yield* store.abandon(scope, key)
        expect(yield* store.begin(scope, key, "other")).toEqual(BeginOutcome.Started())
      })
    )

    it.effect("an HTTP cart journey with place-order over the cluster: cache, lock, idempotency, checkout and webhook", () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster
        const headers = { "x-domain-id": "dom_demo", "x-customer-id": id("cust_cluster") }
        yield* Effect.gen(function* () {
          expect((yield* send("GET", "/ready")).json).toEqual({ status: "ok", redis: "up", checkouts: "memory" })
          const ready = yield* readyCart(headers, 2)
          expect(ready.status).toBe(200)
          expect((yield* send("GET", "/cart?compute=false", { headers })).json).toMatchObject({ from_cache: true })

          // A gateway checkout: phase 1 saves the saga, the signed webhook completes it once.
          const key = id("order")
          const body = {
            payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }],
            total_order_amount: netPayableOf(ready)
          }
          const placed = yield* send("POST", "/cart/place-order", { headers: { ...headers, "idempotency-key": key }, body })
          expect(placed.status).toBe(200)
          const order = Schema.decodeUnknownSync(Placed)(placed.json)
          const replayed = yield* send("POST", "/cart/place-order", { headers: { ...headers, "idempotency-key": key }, body })
          expect(replayed.headers["idempotent-replayed"]).toBe("true")

          const payment = order.payment[0]!
          const raw = JSON.stringify({
            event_id: id("evt"),
            gateway_order_id: payment.gateway_order_id,
            status: "SUCCESS",
            amount: payment.amount,
            currency: "INR"
          })
          const deliver = send("POST", "/payments/webhooks/phonepe", {
            headers: signWebhook(SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw),
            body: raw
          })
          expect((yield* deliver).json).toMatchObject({ success: true, duplicate: false, outcome: "COMPLETED" })
          expect((yield* deliver).json).toMatchObject({ success: true, duplicate: true })
          expect((yield* send("GET", "/cart", { headers })).json).toMatchObject({ cart: { items: [] } })

          // And cash on delivery, completed at once.
          const again = yield* readyCart(headers)
          const cod = yield* send("POST", "/cart/place-order", {
            headers: { ...headers, "idempotency-key": id("order") },
            body: codOrder(netPayableOf(again))
          })
          expect(cod.json).toMatchObject({ success: true, order: { order_status: "CONFIRMED" } })
        }).pipe(Effect.provide(orchestraTestServer({ REDIS_CLUSTER_NODES: cluster.nodesEnv })))
      })
    )
  })
})
