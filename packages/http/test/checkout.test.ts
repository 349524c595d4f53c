import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Fault, makeGate, openGate } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, Schema } from "effect"
import { ServerConfig } from "../src/config/ServerConfig.ts"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { orchestraOn } from "../src/server/Server.ts"
import { MemoryStores, RedisStores } from "../src/server/Stores.ts"
import { inspectableOn } from "./support/inspectable.ts"
import { silentLogs } from "./support/logs.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { send } from "./support/server.ts"

/** The production composition (real flows over the sandbox simulators, memory stores) on the test server. */
const sandbox = Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest))).pipe(
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))),
  Layer.provide(silentLogs)
)

const Placed = Schema.Struct({
  order: Schema.Struct({ id: Schema.String, order_status: Schema.String }),
  payment: Schema.Array(
    Schema.Struct({ payment_mode: Schema.String, status: Schema.String, amount: Schema.Number, gateway_order_id: Schema.optional(Schema.String) })
  )
})
const Net = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })

const asha = { "x-domain-id": "dom_demo", "x-customer-id": "cust_1" }

/** Adds two screen protectors and picks the pickup hub: a cart ready to place. Returns its net payable. */
const readyCart = (headers: Record<string, string>) =>
  Effect.gen(function* () {
    yield* send("DELETE", "/cart", { headers })
    yield* send("POST", "/cart/items", { headers, body: { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 2 }] } })
    const updated = yield* send("PUT", "/cart", { headers, body: { pickup_point: { pickup_point_id: "pickup_1" } } })
    return Schema.decodeUnknownSync(Net)(updated.json).cart.totals.net_payable
  })

const webhook = (body: unknown, secret = SANDBOX_WEBHOOK_SECRET, at = Math.floor(Date.now() / 1000)) => {
  const raw = JSON.stringify(body)
  return send("POST", "/payments/webhooks/phonepe", { headers: signWebhook(secret, at, raw), body: raw })
}

describe("checkout over HTTP", () => {
  it.live("split payment: place the order, confirm the gateway by a signed webhook, see the cart cleared", () =>
    Effect.gen(function* () {
      const net = yield* readyCart(asha)
      const placeBody = {
        payment_instruction: [
          { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
          { amount: 50, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } },
          { amount: 50, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
        ],
        total_order_amount: net,
        multiple_payment_methods: true,
        device: { fingerprint: "fp_hash_456" }
      }
      const noKey = yield* send("POST", "/cart/place-order", { headers: asha, body: placeBody })
      expect(noKey.status).toBe(400)

      const headers = { ...asha, "idempotency-key": `order-${Date.now()}` }
      const placed = yield* send("POST", "/cart/place-order", { headers, body: placeBody })
      expect(placed.status).toBe(200)
      const order = Schema.decodeUnknownSync(Placed)(placed.json)
      expect(order.order.order_status).toBe("PENDING")
      const gateway = order.payment.find((p) => p.payment_mode === "GATEWAY")!
      expect(gateway.status).toBe("PENDING")
      expect(gateway.amount).toBeCloseTo(net - 100, 2)

      const replay = yield* send("POST", "/cart/place-order", { headers, body: placeBody })
      expect(replay.headers["idempotent-replayed"]).toBe("true")
      expect(replay.json).toEqual(placed.json)

      const event = { event_id: `evt-${Date.now()}`, gateway_order_id: gateway.gateway_order_id, status: "SUCCESS", amount: gateway.amount, currency: "INR" }
      const forged = yield* webhook(event, "not-the-secret")
      expect(forged.status).toBe(401)
      const stale = yield* webhook(event, SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301)
      expect(stale.status).toBe(401)

      const confirmed = yield* webhook(event)
      expect(confirmed.status).toBe(200)
      expect(confirmed.json).toMatchObject({ success: true, duplicate: false, outcome: "COMPLETED" })
      const again = yield* webhook(event)
      expect(again.json).toMatchObject({ success: true, duplicate: true })

      const cart = yield* send("GET", "/cart", { headers: asha })
      expect(cart.json).toMatchObject({ cart: { cart_id: null, items: [] } })
    }).pipe(Effect.provide(sandbox))
  )

  it.live("an unknown gateway order is 404 so the gateway retries; a malformed event is 400", () =>
    Effect.gen(function* () {
      const unknown = yield* webhook({ event_id: "evt-x", gateway_order_id: "phonepe_nope", status: "SUCCESS", amount: 1, currency: "INR" })
      expect(unknown.status).toBe(404)
      expect(unknown.json).toMatchObject({ success: false, error: { code: "ORDER_NOT_FOUND" } })
      const malformed = yield* webhook({ event_id: "evt-y", status: "MAYBE" })
      expect(malformed.status).toBe(400)
    }).pipe(Effect.provide(sandbox))
  )

  it.live("suggestions for a phone and a case (DESIGN §8)", () =>
    Effect.gen(function* () {
      const shopper = { "x-domain-id": "dom_demo", "x-customer-id": "cust_1" }
      yield* send("DELETE", "/cart", { headers: shopper })
      yield* send("POST", "/cart/items", {
        headers: shopper,
        body: { operations: [{ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }, { op: "ADD", product_id: "prod_case", quantity: 1 }] }
      })
      const answer = yield* send("GET", "/cart/suggestions", { headers: shopper })
      expect(answer.status).toBe(200)
      expect(answer.json).toMatchObject({ success: true, meta: { degraded_sources: [] } })
      expect(answer.text).toContain("bundle_123")
      expect(answer.text).not.toContain("prod_powerbank")
    }).pipe(Effect.provide(sandbox))
  )
})

const inspectable = inspectableOn(MemoryStores, {})

const codBody = (net: number) => ({
  payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
  total_order_amount: net
})

describe("checkout idempotency over HTTP", () => {
  it.live("the same key sent by 5 concurrent requests: all answered with one order; one reservation, one debit", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const net = yield* readyCart(asha)
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const body = {
        payment_instruction: [
          { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } },
          { full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
        ],
        total_order_amount: net
      }
      const headers = { ...asha, "idempotency-key": `same-${Date.now()}` }
      const answers = yield* Effect.all(
        Array.from({ length: 5 }, () => send("POST", "/cart/place-order", { headers, body })),
        { concurrency: "unbounded" }
      )
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
      expect(new Set(answers.map((a) => a.text)).size).toBe(1)
      expect(answers.filter((a) => a.headers["idempotent-replayed"] === undefined)).toHaveLength(1)
      const orderId = Schema.decodeUnknownSync(Placed)(answers[0]!.json).order.id
      expect(sandbox.simulators.order.orders().filter((o) => o.order.id === orderId)).toHaveLength(1)
      expect(sandbox.simulators.payment.walletBalance("wal_1")).toBe(balance - 1_000)
      expect(sandbox.simulators.payment.debitsOf("wal_1")).toBe(1)
      const reservations = (yield* sandbox.simulators.inventory.reservations()).filter((r) => r.status !== "RELEASED")
      expect(reservations).toHaveLength(1)
    }).pipe(Effect.provide(inspectable))
  )

  it.live("two customers who send the same key each get their own order", () =>
    Effect.gen(function* () {
      const ravi = { "x-domain-id": "dom_demo", "x-customer-id": "cust_2" }
      const ashaNet = yield* readyCart(asha)
      const raviNet = yield* readyCart(ravi)
      const key = `checkout-1-${Date.now()}`
      const ashaOrder = yield* send("POST", "/cart/place-order", { headers: { ...asha, "idempotency-key": key }, body: codBody(ashaNet) })
      const raviOrder = yield* send("POST", "/cart/place-order", { headers: { ...ravi, "idempotency-key": key }, body: codBody(raviNet) })
      expect([ashaOrder.status, raviOrder.status]).toEqual([200, 200])
      expect(raviOrder.headers["idempotent-replayed"]).toBeUndefined()
      const [a, r] = [ashaOrder, raviOrder].map((answer) => Schema.decodeUnknownSync(Placed)(answer.json))
      expect(a!.order.id).not.toBe(r!.order.id)
    }).pipe(Effect.provide(inspectable))
  )

  it.live.skipIf(skipRedis)("the same with the cart stores in Redis", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const shopper = { "x-domain-id": "dom_demo", "x-customer-id": freshId("cust") }
      const net = yield* readyCart(shopper)
      const headers = { ...shopper, "idempotency-key": freshId("key") }
      const answers = yield* Effect.all(
        Array.from({ length: 5 }, () => send("POST", "/cart/place-order", { headers, body: codBody(net) })),
        { concurrency: "unbounded" }
      )
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
      const again = yield* send("POST", "/cart/place-order", { headers, body: codBody(net) })
      expect(again.headers["idempotent-replayed"]).toBe("true")
      expect(sandbox.simulators.order.orders()).toHaveLength(1)
    }).pipe(Effect.provide(inspectableOn(RedisStores, { REDIS_URL: redisUrl })))
  )

  for (const target of [
    "cart.find",
    "inventory.checkAvailability",
    "inventory.reserve",
    "order.createMaster",
    "order.createSubOrders",
    "order.setPaymentStatus",
    "payment.initiate"
  ]) {
    it.live(`a client that disconnects during ${target} leaves the checkout running: a retry with its key gets the order`, () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox
        const injector = yield* FaultInjector
        const net = yield* readyCart(asha)
        const gate = yield* makeGate
        yield* injector.set([{ target, fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
        const headers = { ...asha, "idempotency-key": `cut-${target}-${Date.now()}` }
        const client = yield* Effect.forkChild(send("POST", "/cart/place-order", { headers, body: codBody(net) }))
        yield* Deferred.await(gate.reached)
        yield* Fiber.interrupt(client)
        yield* injector.clear
        yield* openGate(gate)
        const retried = yield* send("POST", "/cart/place-order", { headers, body: codBody(net) })
        expect(retried.status).toBe(200)
        expect(retried.headers["idempotent-replayed"]).toBe("true")
        const order = Schema.decodeUnknownSync(Placed)(retried.json).order
        expect(order.order_status).toBe("CONFIRMED")
        expect(sandbox.simulators.order.orders().filter((o) => o.order.id === order.id)).toHaveLength(1)
      }).pipe(Effect.provide(inspectable))
    )
  }

  it.live("while a checkout runs past the deadline, its key answers 409 IDEMPOTENCY_IN_PROGRESS with Retry-After", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const net = yield* readyCart(asha)
      const gate = yield* makeGate
      yield* injector.set([{ target: "inventory.reserve", fault: Fault.Hold({ gate, point: "after" }), rate: 1 }])
      const headers = { ...asha, "idempotency-key": `slow-${Date.now()}` }
      const first = yield* send("POST", "/cart/place-order", { headers, body: codBody(net) })
      expect(first.status).toBe(409)
      expect(first.json).toMatchObject({ error: { code: "IDEMPOTENCY_IN_PROGRESS" } })
      expect(first.headers["retry-after"]).toBe("1")
      yield* injector.clear
      yield* openGate(gate)
      const later = yield* send("POST", "/cart/place-order", { headers, body: codBody(net) })
      expect(later.status).toBe(200)
      expect(later.json).toMatchObject({ order: { order_status: "CONFIRMED" } })
    }).pipe(Effect.provide(inspectableOn(MemoryStores, { ORCHESTRA_REQUEST_DEADLINE_MS: "300", ORCHESTRA_WRITE_TIMEOUT_MS: "60000" })))
  )

  it.live("while a cart is being placed, another key for it is 409 CHECKOUT_PENDING; its mutations are not blocked", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const net = yield* readyCart(asha)
      const gate = yield* makeGate
      yield* injector.set([{ target: "order.createMaster", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
      const placing = yield* Effect.forkChild(
        send("POST", "/cart/place-order", { headers: { ...asha, "idempotency-key": `a-${Date.now()}` }, body: codBody(net) })
      )
      yield* Deferred.await(gate.reached)
      const [mutation, other] = yield* Effect.all(
        [
          send("POST", "/cart/items", { headers: asha, body: { operations: [{ op: "ADD", product_id: "prod_case", quantity: 1 }] } }),
          send("POST", "/cart/place-order", { headers: { ...asha, "idempotency-key": `b-${Date.now()}` }, body: codBody(net) })
        ],
        { concurrency: "unbounded" }
      )
      expect(mutation.status).toBe(200)
      expect(other.status).toBe(409)
      expect(other.json).toMatchObject({ error: { code: "CHECKOUT_PENDING" } })
      yield* injector.clear
      yield* openGate(gate)
      expect((yield* Fiber.join(placing)).status).toBe(200)
    }).pipe(Effect.provide(inspectable))
  )
})
