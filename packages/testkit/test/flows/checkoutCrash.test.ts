import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Schema, Scope } from "effect"
import { checkoutEnginePostgres } from "@orchestra/core/checkout/CheckoutEngine"
import { CheckoutFlows, CheckoutFlowsLive } from "@orchestra/core/checkout/CheckoutFlows"
import { PaymentWebhook } from "@orchestra/core/checkout/PaymentWebhook"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { fingerprintOf } from "@orchestra/core/domain/IdempotencyKey"
import type { Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { defaultStepPolicy, StepPolicy } from "@orchestra/core/runtime/StepPolicy"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { type CheckoutRecord, CheckoutRegistry, isTerminal } from "@orchestra/core/stores/CheckoutRegistry"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { Fault, makeGate, openGate } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { postgresAnswers, TestDatabase } from "../../src/postgres/TestDatabase.ts"
import { Sandbox, SandboxDownstreams } from "../../src/sandbox/Sandbox.ts"
import { asRequest, customer, ops } from "./support.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

const order = Schema.decodeUnknownSync(PlaceOrderRequest)
const options = Schema.decodeUnknownSync(UpdateOptionsRequest)
const webhook = Schema.decodeUnknownSync(PaymentWebhook)

/** The downstream services and cart flows outlive the orchestrator's restarts, as other processes would. */
const World = CartFlowsLive.pipe(
  Layer.provideMerge(SandboxDownstreams),
  Layer.provideMerge(Layer.merge(Sandbox.make(demoCatalog), FaultInjector.make())),
  Layer.provideMerge(Layer.merge(CartCache.layerMemory, CartLock.layerMemory)),
  // Calls are held at gates, never timed out: a restart, not a timer, decides what happens next.
  Layer.provideMerge(
    Layer.succeed(StepPolicy, { ...defaultStepPolicy, requestDeadlineMs: 120_000, readTimeoutMs: 120_000, writeTimeoutMs: 120_000 })
  )
)

/** One life of the orchestrator's checkout: the workflow engine on the test's database, on a fixed runner. */
const orchestrator = (url: TestDatabase["Service"]["url"]) =>
  CheckoutFlowsLive.pipe(
    Layer.provideMerge(
      checkoutEnginePostgres(url, {
        databaseUrl: Option.some(url),
        paymentWindow: Duration.seconds(900),
        retention: Duration.days(30),
        pollInterval: Duration.millis(100),
        shardLockExpiration: Duration.seconds(35),
        // A step held at its gate never finishes: the process dies without waiting for it.
        shutdownTimeout: Duration.millis(200),
        runnerAddress: Option.some({ host: "crash-test", port: 1 })
      })
    )
  )

/** Starts the orchestrator in a scope of its own; closing the scope is the process dying. */
const start = Effect.gen(function* () {
  const { url } = yield* TestDatabase
  const scope = yield* Scope.make()
  // A test that fails midway still stops its orchestrator, before its database is dropped.
  yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
  const context = yield* Layer.buildWithScope(orchestrator(url), scope)
  return { scope, checkout: Layer.succeedContext(context) }
})

const readyCart = (owner: Owner) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_screen", quantity: 1 }) }))
    const { result } = yield* asRequest(
      flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ pickup_point: { pickup_point_id: "pickup_1" } }) })
    )
    return result.cart
  })

/** Gateway for the rest, 10.00 from the wallet: a checkout with a debit to undo and a payment to wait for. */
const split = (total: number) =>
  order({
    payment_instruction: [
      { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
      { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } }
    ],
    total_order_amount: total / 100,
    multiple_payment_methods: true
  })

const placeOrder = (owner: Owner, request: PlaceOrderRequest, key: string) =>
  Effect.flatMap(CheckoutFlows, (flows) =>
    asRequest(
      flows.placeOrder({
        owner,
        cartType: "DEFAULT",
        request,
        idempotencyKey: key,
        fingerprint: fingerprintOf("POST", "/cart/place-order", JSON.stringify(Schema.encodeSync(PlaceOrderRequest)(request)))
      }),
      120_000
    )
  )

/** The checkout of `key` once `ready` holds, polling the registry (no engine needed to read it). */
const checkoutOf = (key: string, ready: (record: CheckoutRecord) => boolean) =>
  Effect.gen(function* () {
    const registry = yield* CheckoutRegistry
    // The request may still be on its way to taking the key.
    let found = (yield* registry.find(key))[0]
    for (let tries = 0; found === undefined && tries < 1_000; tries++) {
      yield* Effect.sleep("20 millis")
      found = (yield* registry.find(key))[0]
    }
    assert.isDefined(found, `no checkout under ${key}`)
    const record = yield* registry.awaitRecord(found!.execution_id, Date.now() + 60_000, ready)
    return Option.getOrThrow(record)
  })

/** The gateway's webhook for the checkout's gateway payment. */
const paymentWebhook = (record: CheckoutRecord, gatewayOrderId: string, amount: number, status: "SUCCESS" | "FAILED") =>
  Effect.flatMap(CheckoutFlows, (flows) =>
    asRequest(
      flows.paymentWebhook(webhook({ event_id: `evt_${record.execution_id}_${status}`, gateway_order_id: gatewayOrderId, status, amount: amount / 100, currency: "INR" })),
      60_000
    )
  )

type Phase = "placing" | "paying" | "undoing"

/**
 * A checkout whose orchestrator dies with `target`'s call held at `point`, then starts again:
 * whichever step it died at, the checkout reaches the same end, with every effect once.
 */
const crashAt = (phase: Phase, target: string, point: "before" | "after") =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox
    const injector = yield* FaultInjector
    const owner = customer("cust_1")
    const cart = yield* readyCart(owner)
    const key = `crash-${phase}-${target}-${point}`
    const balance = sandbox.simulators.payment.walletBalance("wal_1")!
    const gate = yield* makeGate
    const hold = injector.set([{ target, fault: Fault.Hold({ gate, point }), rate: 1 }])
    // A fresh sandbox per test: its one gateway payment is this checkout's.
    const gatewayPayment = () => sandbox.simulators.payment.payments().find((p) => p.payment.payment_mode === "GATEWAY")

    let life = yield* start
    if (phase === "placing") yield* hold
    // The client, who disconnects when the process dies.
    const client = yield* Effect.forkChild(Effect.provide(placeOrder(owner, split(cart.totals.net_payable), key), life.checkout))
    if (phase !== "placing") {
      yield* Effect.provide(checkoutOf(key, (r) => r.state === "AWAITING_PAYMENT"), life.checkout)
      yield* hold
      const record = yield* Effect.provide(checkoutOf(key, () => true), life.checkout)
      const payment = gatewayPayment()!
      if (phase === "paying") yield* Effect.flatMap(sandbox.simulators.payment.settleGateway(payment.payment.gateway_order_id!, "SUCCESS"), () => Effect.void)
      yield* Effect.forkChild(
        Effect.provide(paymentWebhook(record, payment.payment.gateway_order_id!, payment.payment.amount, phase === "paying" ? "SUCCESS" : "FAILED"), life.checkout)
      )
    }
    yield* Deferred.await(gate.reached)
    yield* Fiber.interrupt(client)
    yield* Scope.close(life.scope, Exit.void)
    yield* injector.clear
    yield* openGate(gate)

    life = yield* start
    const afterRestart = yield* Effect.provide(checkoutOf(key, (r) => isTerminal(r.state) || r.state === "AWAITING_PAYMENT"), life.checkout)
    if (afterRestart.state === "AWAITING_PAYMENT") {
      const payment = gatewayPayment()!
      yield* sandbox.simulators.payment.settleGateway(payment.payment.gateway_order_id!, "SUCCESS")
      yield* Effect.provide(paymentWebhook(afterRestart, payment.payment.gateway_order_id!, payment.payment.amount, "SUCCESS"), life.checkout)
    }
    const end = yield* Effect.provide(checkoutOf(key, (r) => isTerminal(r.state)), life.checkout)
    yield* Scope.close(life.scope, Exit.void)

    const orders = sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id)
    const reservations = (yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id)
    assert.lengthOf(orders, 1, "one order per (owner, key)")
    assert.deepStrictEqual(reservations.filter((r) => r.status === "HELD"), [], "no reservation held by a finished checkout")
    assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1, "the wallet debited once")
    if (phase === "undoing") {
      assert.strictEqual(end.state, "CANCELLED")
      assert.strictEqual(orders[0]!.order.order_status, "CANCELLED")
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1, "the debit refunded once")
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id), "the cart kept")
    } else {
      assert.strictEqual(end.state, "COMPLETED")
      assert.strictEqual(orders[0]!.order.order_status, "CONFIRMED")
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 0)
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance - 1_000)
      assert.lengthOf(reservations.filter((r) => r.status === "DEDUCTED"), 1, "the stock deducted once")
      assert.isUndefined(sandbox.simulators.cart.cartById(cart.cart_id), "the cart gone")
    }
  }).pipe(Effect.provide(World))

const phaseOneSteps = [
  "cart.find",
  "inventory.checkAvailability",
  "product.search",
  "sellerAdmin.taxSettings",
  "sellerAdmin.storeStatus",
  "inventory.reserve",
  "order.createMaster",
  "order.createSubOrders",
  "order.setPaymentStatus",
  "payment.initiate"
]
const phaseTwoSteps = ["inventory.deduct", "order.setPaymentStatus", "cart.removeLines", "notification.send", "event.publish", "loyalty.reward"]
const undoSteps = ["payment.refund", "order.cancel", "inventory.releaseReservations"]

describe.skipIf(skipPostgres)("checkout crash points (PostgreSQL engine, the orchestrator restarted in-process)", () => {
  layer(TestDatabase.layer, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    for (const [phase, steps] of [
      ["placing", phaseOneSteps],
      ["paying", phaseTwoSteps],
      ["undoing", undoSteps]
    ] as const) {
      for (const target of steps) {
        for (const point of ["before", "after"] as const) {
          it.effect(`${phase}: dies ${point} ${target}, restarts, ends once`, () => crashAt(phase, target, point), 120_000)
        }
      }
    }
  })
})
