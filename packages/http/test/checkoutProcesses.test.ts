import { describe, expect, layer } from "@effect/vitest"
import { Fault, makeGate, openGate } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { postgresAnswers, TestDatabase } from "@orchestra/testkit/postgres/TestDatabase"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { sandboxAddress, sharedSandbox } from "@orchestra/testkit/sandbox/sharedSandbox"
import { Deferred, Effect, Fiber, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { answerOf, call, liveSecrets, notifyPayment, type Shopper } from "./support/gateway.ts"
import { silentLogs } from "./support/logs.ts"
import { freePort, killChild, orchestraProcess } from "./support/processes.ts"
import type { Answer } from "./support/server.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

/**
 * Processes start (≈ 2 s of CPU each on these machines) and a dead one's checkouts move after 3 s
 * without lock refreshes: a bound for a loaded 2-core machine, not an expectation of speed.
 */
const TAKEOVER_BUDGET_MS = 120_000

/**
 * The downstream world in this process (the test holds calls at its gates and reads its state),
 * and the checkouts' database. Orchestrator processes come and go over it.
 */
const World = Layer.mergeAll(sharedSandbox({ port: 0 }), TestDatabase.layer).pipe(
  Layer.provideMerge(FetchHttpClient.layer),
  Layer.provide(silentLogs)
)

/**
 * `node main.ts` in live mode on `port` — its identity among the engine's runners — over the
 * world. A process that dies is taken over by the others after 3 s without its lock refreshes.
 */
const orchestrator = (port: number) =>
  Effect.gen(function* () {
    const { serviceUrls } = yield* sandboxAddress
    const database = yield* TestDatabase
    return yield* orchestraProcess({
      ...serviceUrls,
      ...liveSecrets,
      PORT: String(port),
      DATABASE_URL: Redacted.value(database.url),
      ORCHESTRA_ENGINE_POLL_MS: "100",
      ORCHESTRA_ENGINE_LOCK_EXPIRATION_S: "3",
      // Not about overload or abuse: a loaded test machine must not make the server shed or limit.
      ORCHESTRA_MAX_IN_FLIGHT: "off",
      ORCHESTRA_LIMIT_PLACE_ORDERS: "0"
    })
  })

/** The wallet's owner: every test here pays 10.00 from cust_1's wallet, one test after another. */
const asha: Shopper = { "x-domain-id": "dom_demo", "x-customer-id": "cust_1" }

const Placed = Schema.Struct({
  order: Schema.Struct({ id: Schema.String, order_status: Schema.String }),
  payment: Schema.Array(Schema.Struct({ payment_mode: Schema.String, amount: Schema.Number, gateway_order_id: Schema.optional(Schema.String) }))
})
const Net = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })
const WebhookAnswer = Schema.Struct({ outcome: Schema.optionalKey(Schema.String) })

/** Gateway for the rest, 10.00 from cust_1's wallet. */
const split = (net: number) => ({
  payment_instruction: [
    { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
    { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } }
  ],
  total_order_amount: net,
  multiple_payment_methods: true
})

const readyCart = (base: string, who: Shopper) =>
  Effect.gen(function* () {
    yield* call(base, "POST", "/cart/items", who, { body: { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 1 }] } })
    const updated = yield* call(base, "PUT", "/cart", who, { body: { pickup_point: { pickup_point_id: "pickup_1" } } })
    return Schema.decodeUnknownSync(Net)(updated.json).cart.totals.net_payable
  })

/** Delivers the gateway's notice again, as a gateway does, until the order is reported completed (bounded). */
const payUntilCompleted = (base: string, placed: Answer) =>
  Effect.gen(function* () {
    const { simulators } = yield* Sandbox
    const gateway = Schema.decodeUnknownSync(Placed)(placed.json).payment.find((p) => p.payment_mode === "GATEWAY")!
    yield* simulators.payment.settleGateway(gateway.gateway_order_id!, "SUCCESS")
    const event = { event_id: crypto.randomUUID(), gateway_order_id: gateway.gateway_order_id!, status: "SUCCESS" as const, amount: gateway.amount }
    for (let delivery = 0; delivery < 30; delivery++) {
      const answer = yield* notifyPayment(base, event)
      if (answer.status === 200 && Schema.decodeUnknownSync(WebhookAnswer)(answer.json).outcome === "COMPLETED") return
      yield* Effect.sleep("500 millis")
    }
    return yield* Effect.die(new Error("the order was never completed"))
  })

/** Every effect of the checkout happened once: one confirmed order, one debit, the stock deducted, the cart gone. */
const expectPlacedOnce = (placed: Answer, balanceBefore: number) =>
  Effect.gen(function* () {
    const { simulators } = yield* Sandbox
    const order = Schema.decodeUnknownSync(Placed)(placed.json).order
    const orders = simulators.order.orders().filter((o) => o.order.id === order.id)
    expect(orders.map((o) => o.order.order_status)).toEqual(["CONFIRMED"])
    expect(simulators.order.orders().filter((o) => o.cart_id === orders[0]!.cart_id)).toHaveLength(1)
    expect(simulators.payment.walletBalance("wal_1")).toBe(balanceBefore - 1_000)
    const reservations = (yield* simulators.inventory.reservations()).filter((r) => r.cart_id === orders[0]!.cart_id)
    expect(reservations.filter((r) => r.status === "DEDUCTED")).toHaveLength(1)
    expect(reservations.filter((r) => r.status === "HELD")).toEqual([])
    expect(simulators.cart.cartById(orders[0]!.cart_id)).toBeUndefined()
  })

describe.skipIf(skipPostgres)("checkout across orchestrator processes (PostgreSQL engine, SIGKILL)", () => {
  layer(World, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    for (const [target, what] of [
      ["inventory.reserve", "the reservation"],
      ["payment.initiate", "the wallet debit"]
    ] as const) {
      it.effect(`killed after ${what}: the other process takes the checkout over, and once paid it completes`, () =>
        Effect.gen(function* () {
          const { simulators } = yield* Sandbox
          const injector = yield* FaultInjector
          const a = yield* orchestrator(yield* freePort)
          const b = yield* orchestrator(yield* freePort)
          const net = yield* readyCart(a.baseUrl, asha)
          const balance = simulators.payment.walletBalance("wal_1")!
          const gate = yield* makeGate
          yield* injector.set([{ target, fault: Fault.Hold({ gate, point: "after" }), rate: 1 }])
          const key = crypto.randomUUID()
          const client = yield* Effect.forkChild(call(a.baseUrl, "POST", "/cart/place-order", asha, { body: split(net), headers: { "idempotency-key": key } }))
          yield* Deferred.await(gate.reached)
          yield* killChild(a.child)
          yield* Fiber.interrupt(client)
          yield* injector.clear
          yield* openGate(gate)

          const placed = yield* answerOf(b.baseUrl, asha, key, split(net))
          expect(placed.status).toBe(200)
          expect(Schema.decodeUnknownSync(Placed)(placed.json).order.order_status).toBe("PENDING")
          yield* payUntilCompleted(b.baseUrl, placed)
          yield* expectPlacedOnce(placed, balance)
        }),
        TAKEOVER_BUDGET_MS
      )
    }

    it.effect("killed while waiting for the payment: the gateway's webhook to the other process completes it", () =>
      Effect.gen(function* () {
        const { simulators } = yield* Sandbox
        const a = yield* orchestrator(yield* freePort)
        const b = yield* orchestrator(yield* freePort)
        const net = yield* readyCart(a.baseUrl, asha)
        const balance = simulators.payment.walletBalance("wal_1")!
        const placed = yield* answerOf(a.baseUrl, asha, crypto.randomUUID(), split(net))
        expect(placed.status).toBe(200)
        yield* killChild(a.child)
        yield* payUntilCompleted(b.baseUrl, placed)
        yield* expectPlacedOnce(placed, balance)
      }),
      TAKEOVER_BUDGET_MS
    )

    it.effect("killed inside phase 2, after the deduction: restarted on its own address, it resumes and completes", () =>
      Effect.gen(function* () {
        const { simulators } = yield* Sandbox
        const injector = yield* FaultInjector
        const port = yield* freePort
        const a = yield* orchestrator(port)
        const net = yield* readyCart(a.baseUrl, asha)
        const balance = simulators.payment.walletBalance("wal_1")!
        const placed = yield* answerOf(a.baseUrl, asha, crypto.randomUUID(), split(net))
        expect(placed.status).toBe(200)
        const gateway = Schema.decodeUnknownSync(Placed)(placed.json).payment.find((p) => p.payment_mode === "GATEWAY")!
        const gate = yield* makeGate
        yield* injector.set([{ target: "inventory.deduct", fault: Fault.Hold({ gate, point: "after" }), rate: 1 }])
        yield* simulators.payment.settleGateway(gateway.gateway_order_id!, "SUCCESS")
        const gatewayCall = yield* Effect.forkChild(
          notifyPayment(a.baseUrl, { event_id: crypto.randomUUID(), gateway_order_id: gateway.gateway_order_id!, status: "SUCCESS", amount: gateway.amount })
        )
        yield* Deferred.await(gate.reached)
        yield* killChild(a.child)
        yield* Fiber.interrupt(gatewayCall)
        yield* injector.clear
        yield* openGate(gate)

        const again = yield* orchestrator(port)
        yield* payUntilCompleted(again.baseUrl, placed)
        yield* expectPlacedOnce(placed, balance)
      }),
      TAKEOVER_BUDGET_MS
    )
  })
})
