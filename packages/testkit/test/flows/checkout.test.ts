import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Schedule, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { PaymentWindow } from "@orchestra/core/checkout/checkoutSaga"
import { CheckoutWorkflow } from "@orchestra/core/checkout/CheckoutWorkflow"
import { PaymentWebhook } from "@orchestra/core/checkout/PaymentWebhook"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import type { PlaceOrderResponse } from "@orchestra/core/checkout/PlaceOrderResponse"
import { fingerprintOf } from "@orchestra/core/domain/IdempotencyKey"
import type { Owner } from "@orchestra/core/domain/Owner"
import { Payment } from "@orchestra/core/domain/Payment"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { AbuseLimits } from "@orchestra/core/limits/AbuseLimits"
import { type AbuseLimitsOptions, defaultAbuseLimits } from "@orchestra/core/limits/AbuseLimitsConfig"
import { CheckoutRegistry, isTerminal } from "@orchestra/core/stores/CheckoutRegistry"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { Fault, makeGate, openGate } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox } from "../../src/sandbox/Sandbox.ts"
import { MemoryStores, sandboxFlows } from "../../src/sandbox/SandboxEnvironment.ts"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { StoreUnavailable } from "@orchestra/core/stores/StoreUnavailable"
import { WorkflowEngine } from "effect/workflow"
import { asRequest, customer, freshCustomer, guest, ops } from "./support.ts"

const order = Schema.decodeUnknownSync(PlaceOrderRequest)
const webhook = Schema.decodeUnknownSync(PaymentWebhook)
const options = Schema.decodeUnknownSync(UpdateOptionsRequest)
let keys = 0
const key = () => `key_${++keys}`

/** The in-memory engine, the sandbox and TestClock: each test's own, so time is virtual and state fresh. */
const checkoutSandbox = (
  settings: {
    readonly catalog?: typeof demoCatalog
    readonly window?: Duration.Input
    readonly stores?: typeof MemoryStores
    readonly limits?: AbuseLimitsOptions
  } = {}
) =>
  sandboxFlows(settings.catalog === undefined ? {} : { catalog: settings.catalog }).pipe(
    Layer.provideMerge(settings.stores ?? MemoryStores),
    Layer.provideMerge(AbuseLimits.layerMemoryWith(settings.limits ?? defaultAbuseLimits)),
    Layer.provide(Layer.succeed(PaymentWindow, Duration.fromInputUnsafe(settings.window ?? "900 seconds")))
  )

/** A cart ready to place: the given lines, picked up at the Koramangala hub. */
const readyCart = (owner: Owner, lines: ReadonlyArray<unknown>) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops(...lines) }))
    const { result } = yield* asRequest(
      flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ pickup_point: { pickup_point_id: "pickup_1" } }) })
    )
    return result.cart
  })

const cod = (total: number) =>
  order({
    payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
    total_order_amount: total / 100,
    device: { fingerprint: "fp_test" }
  })

const gatewayOnly = (total: number, gateway = "PHONEPE") =>
  order({ payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway }], total_order_amount: total / 100 })

/** Gateway for the rest, 10.00 from cust_1's wallet. */
const gatewayAndWallet = (total: number, gateway = "PHONEPE") =>
  order({
    payment_instruction: [
      { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway },
      { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } }
    ],
    total_order_amount: total / 100,
    multiple_payment_methods: true
  })

/** place-order as the HTTP edge calls it: the key and the request's fingerprint. */
const place = (owner: Owner, request: PlaceOrderRequest, idempotencyKey = key()) =>
  Effect.flatMap(CheckoutFlows, (checkout) =>
    Effect.map(
      asRequest(
        checkout.placeOrder({
          owner,
          cartType: "DEFAULT",
          request,
          idempotencyKey,
          fingerprint: fingerprintOf("POST", "/cart/place-order", JSON.stringify(Schema.encodeSync(PlaceOrderRequest)(request)))
        })
      ),
      ({ result, context }) => ({ result, context, idempotencyKey })
    )
  )

const deliver = (event: PaymentWebhook) => Effect.flatMap(CheckoutFlows, (checkout) => Effect.map(asRequest(checkout.paymentWebhook(event)), (r) => r.result))

const paymentEvent = (response: PlaceOrderResponse, status: "SUCCESS" | "FAILED" = "SUCCESS") => {
  const gateway = response.payment.find((p) => p.payment_mode === "GATEWAY")!
  return webhook({
    event_id: `evt_${key()}`,
    gateway_order_id: gateway.gateway_order_id,
    status,
    amount: gateway.amount / 100,
    currency: "INR"
  })
}

/** The checkout of `clientKey` once its workflow has ended (post-order effects included), virtual time running on. */
const finished = (clientKey: string) =>
  Effect.gen(function* () {
    const registry = yield* CheckoutRegistry
    const [record] = yield* registry.find(clientKey)
    assert.isDefined(record, `no checkout under ${clientKey}`)
    for (let i = 0; i < 200; i++) {
      const result = yield* CheckoutWorkflow.poll(record!.execution_id)
      if (Option.isSome(result) && result.value._tag === "Complete") {
        return { outcome: result.value.exit, record: Option.getOrThrow(yield* registry.get(record!.execution_id)) }
      }
      yield* TestClock.adjust("1 second")
    }
    return assert.fail(`checkout ${clientKey} did not finish`)
  })

const heldReservations = (cartId: string) =>
  Effect.map(
    Effect.flatMap(Sandbox, (sandbox) => sandbox.simulators.inventory.reservations()),
    (all) => all.filter((r) => r.cart_id === cartId && r.status === "HELD")
  )

describe("checkout saga (in-memory engine, virtual time)", () => {
  it.effect("COD: phase 1 and 2 at once — order confirmed, stock deducted, cart gone, ORDER_PLACED published once", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 2 }])
      const stockBefore = sandbox.simulators.inventory.stockOf("prod_case")
      const { result, idempotencyKey } = yield* place(owner, cod(cart.totals.net_payable))
      assert.strictEqual(result.order.order_status, "CONFIRMED")
      assert.strictEqual(result.order.payment_status, "SUCCESS")
      assert.strictEqual(result.order.total, cart.totals.net_payable)
      assert.deepStrictEqual(result.payment.map((p) => [p.payment_mode, p.status, p.amount]), [["MANUAL", "SUCCESS", cart.totals.net_payable]])
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_case"), stockBefore - 2)
      assert.strictEqual(result.order.sub_orders.reduce((sum, s) => sum + s.total, 0), result.order.total)

      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "COMPLETED")
      assert.isUndefined(sandbox.simulators.cart.cartById(cart.cart_id))
      const events = sandbox.simulators.event.published().filter((e) => e.order_id === result.order.id)
      assert.strictEqual(events.length, 1)
      assert.strictEqual(events[0]?.device_fingerprint, "fp_test")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("the same key answers the same order (replayed); another request under it is IDEMPOTENCY_KEY_REUSED", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const first = yield* place(owner, cod(cart.totals.net_payable), "same-key")
      const again = yield* place(owner, cod(cart.totals.net_payable), "same-key")
      assert.deepStrictEqual(again.result, first.result)
      assert.isUndefined(first.context.responseHeaders["idempotent-replayed"])
      assert.strictEqual(again.context.responseHeaders["idempotent-replayed"], "true")
      const other = yield* Effect.flip(place(owner, cod(cart.totals.net_payable + 1), "same-key"))
      assert.strictEqual(other._tag, "IDEMPOTENCY_KEY_REUSED")
      assert.strictEqual(sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id).length, 1)
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("two owners with the same key get two orders, each of their own cart and total", () =>
    Effect.gen(function* () {
      const asha = freshCustomer()
      const ravi = freshCustomer()
      const ashaCart = yield* readyCart(asha, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const raviCart = yield* readyCart(ravi, [{ op: "ADD", product_id: "prod_mug", quantity: 2 }])
      const a = yield* place(asha, cod(ashaCart.totals.net_payable), "checkout-1")
      const r = yield* place(ravi, cod(raviCart.totals.net_payable), "checkout-1")
      assert.notStrictEqual(a.result.order.id, r.result.order.id)
      assert.strictEqual(a.result.order.total, ashaCart.totals.net_payable)
      assert.strictEqual(r.result.order.total, raviCart.totals.net_payable)
      assert.isUndefined(r.context.responseHeaders["idempotent-replayed"])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("split payment: gateway pending, wallet debited; five deliveries of the webhook complete the order once", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 2 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const { result, idempotencyKey } = yield* place(owner, gatewayAndWallet(cart.totals.net_payable))
      assert.strictEqual(result.order.order_status, "PENDING")
      const gateway = result.payment.find((p) => p.payment_mode === "GATEWAY")!
      assert.strictEqual(gateway.status, "PENDING")
      assert.isString(gateway.redirect_url)
      assert.strictEqual(gateway.amount, cart.totals.net_payable - 1_000)
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance - 1_000)

      const event = paymentEvent(result)
      const answers = yield* Effect.all(Array.from({ length: 5 }, () => deliver(event)), { concurrency: "unbounded" })
      assert.strictEqual(answers.filter((a) => !a.duplicate).length, 1)
      assert.deepStrictEqual([...new Set(answers.map((a) => a.outcome))], ["COMPLETED"])
      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "COMPLETED")
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
      const reservations = yield* sandbox.simulators.inventory.reservations()
      assert.strictEqual(reservations.filter((r) => r.cart_id === cart.cart_id && r.status === "DEDUCTED").length, 1)
      assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1)
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a webhook before its checkout waits for it is ORDER_NOT_FOUND (the gateway retries), then completes it", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      // Loyalty is held, so place-order is still running once the gateway payment exists.
      const gate = yield* makeGate
      yield* injector.set([{ target: "loyalty.redeem", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
      const placing = yield* Effect.forkChild(
        place(
          owner,
          order({
            payment_instruction: [
              { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
              { amount: 10, currency: "INR", payment_mode: "LOYALTY", gateway: "LOYALTY" }
            ],
            total_order_amount: cart.totals.net_payable / 100
          })
        )
      )
      yield* Deferred.await(gate.reached)
      const gatewayPayment = () =>
        sandbox.simulators.payment.payments().find((p) => p.payment.payment_mode === "GATEWAY" && p.payment.status === "PENDING")
      // The gateway's initiation runs beside the held redemption; it needs no time, only turns of the
      // scheduler (and of the thread pool that hashes the execution id), so the wait is for the event.
      yield* TestClock.testClockWith((clock) =>
        clock.withLive(
          Effect.timeoutOption(
            Effect.repeat(Effect.sync(gatewayPayment), { until: (payment) => payment !== undefined, schedule: Schedule.spaced("5 millis") }),
            "10 seconds"
          )
        )
      )
      const pending = gatewayPayment()
      assert.isDefined(pending, "the gateway payment exists while loyalty is held")
      const event = webhook({
        event_id: `evt_${key()}`,
        gateway_order_id: pending!.payment.gateway_order_id,
        status: "SUCCESS",
        amount: pending!.payment.amount / 100,
        currency: "INR"
      })
      const early = yield* Effect.flip(deliver(event))
      assert.strictEqual(early._tag, "ORDER_NOT_FOUND")
      yield* openGate(gate)
      const placed = yield* Fiber.join(placing)
      const late = yield* deliver(event)
      assert.strictEqual(late.outcome, "COMPLETED")
      const orders = sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id)
      assert.deepStrictEqual(orders.map((o) => [o.order.id, o.order.order_status]), [[placed.result.order.id, "CONFIRMED"]])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a FAILED webhook refunds the wallet once, cancels the order, releases the stock, keeps the cart; a late SUCCESS is refunded", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const { result } = yield* place(owner, gatewayAndWallet(cart.totals.net_payable, "RAZORPAY"))
      const failed = paymentEvent(result, "FAILED")
      assert.strictEqual((yield* deliver(failed)).outcome, "CANCELLED")
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
      assert.deepStrictEqual(yield* heldReservations(cart.cart_id), [])
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))

      // The gateway took the money after all: the payment is given back, the order stays cancelled.
      const late = { ...failed, event_id: `evt_${key()}`, status: "SUCCESS" as const }
      assert.strictEqual((yield* deliver(late)).outcome, "CANCELLED")
      assert.strictEqual((yield* deliver(late)).duplicate, true)
      const gatewayPayment = sandbox.simulators.payment.paymentByGatewayOrderId(failed.gateway_order_id)
      assert.strictEqual(gatewayPayment?.status, "REFUNDED")
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("the payment check runs first: AMOUNT_MISMATCH, CART_CHANGED, and nothing is reserved", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const mismatch = yield* Effect.flip(
        place(
          owner,
          order({
            payment_instruction: [{ amount: 1, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
            total_order_amount: cart.totals.net_payable / 100
          })
        )
      )
      const changed = yield* Effect.flip(place(owner, cod(cart.totals.net_payable + 100)))
      assert.strictEqual(mismatch._tag, "AMOUNT_MISMATCH")
      assert.strictEqual(changed._tag, "CART_CHANGED")
      assert.deepStrictEqual((yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id), [])
      const registry = yield* CheckoutRegistry
      assert.deepStrictEqual((yield* registry.list({ limit: 10 })).map((r) => r.state), ["REJECTED", "REJECTED"])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("FULFILMENT_REQUIRED without an address+delivery or pickup point; CART_EMPTY; CART_NOT_FOUND", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      assert.strictEqual((yield* Effect.flip(place(owner, cod(100))))._tag, "CART_NOT_FOUND")
      const { result } = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      assert.strictEqual((yield* Effect.flip(place(owner, cod(result.cart.totals.net_payable))))._tag, "FULFILMENT_REQUIRED")
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "UPDATE", item_id: result.cart.items[0]!.item_id, quantity: 0 }) }))
      assert.strictEqual((yield* Effect.flip(place(owner, cod(1))))._tag, "CART_EMPTY")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a price changed since the cart was computed answers PRICE_CHANGED", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_earbuds", quantity: 1 }])
      sandbox.simulators.product.setPrice("prod_earbuds", undefined, 139_900)
      assert.strictEqual((yield* Effect.flip(place(owner, cod(cart.totals.net_payable))))._tag, "PRICE_CHANGED")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("flash sale: 8 concurrent COD checkouts of a product with stock 2 → 2 orders, 6 OUT_OF_STOCK, nothing left held", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      sandbox.simulators.inventory.setStock("prod_mug", undefined, 2)
      const buyers = Array.from({ length: 8 }, (_, i) => guest(`flash_${i}`))
      const carts = yield* Effect.forEach(buyers, (owner) => readyCart(owner, [{ op: "ADD", product_id: "prod_mug", quantity: 1 }]))
      const outcomes = yield* Effect.forEach(buyers, (owner, i) => Effect.result(place(owner, cod(carts[i]!.totals.net_payable))), {
        concurrency: "unbounded"
      })
      assert.strictEqual(outcomes.filter((o) => o._tag === "Success").length, 2)
      assert.deepStrictEqual(
        outcomes.flatMap((o) => (o._tag === "Failure" ? [o.failure._tag] : [])),
        Array(6).fill("OUT_OF_STOCK")
      )
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_mug"), 0)
      const cartIds = new Set(carts.map((c) => c.cart_id as string))
      assert.deepStrictEqual((yield* sandbox.simulators.inventory.reservations()).filter((r) => cartIds.has(r.cart_id) && r.status === "HELD"), [])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("phase 2 removes only the ordered lines, under the cart's lock: a line added while paying stays", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const { result, idempotencyKey } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_mug", quantity: 2 }) }))
      assert.strictEqual((yield* deliver(paymentEvent(result))).outcome, "COMPLETED")
      yield* finished(idempotencyKey)
      const left = sandbox.simulators.cart.cartById(cart.cart_id)
      assert.deepStrictEqual(left?.items.map((line) => [line.product_id, line.quantity]), [["prod_mug", 2]])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("DESIGN §3's limits hold at place-order too: a store gone offline since the cart was priced is 422 STORE_OFFLINE, nothing reserved", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const store = cart.items[0]!.store_id!
      sandbox.simulators.sellerAdmin.setStoreOnline(store, false)
      const refused = yield* Effect.flip(place(owner, cod(cart.totals.net_payable)))
      sandbox.simulators.sellerAdmin.setStoreOnline(store, true)
      assert.strictEqual(refused._tag, "STORE_OFFLINE")
      assert.deepStrictEqual((yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id), [])

      sandbox.simulators.product.setStatus("prod_case", "INACTIVE")
      const inactive = yield* Effect.flip(place(owner, cod(cart.totals.net_payable)))
      sandbox.simulators.product.setStatus("prod_case", "ACTIVE")
      assert.strictEqual(inactive._tag, "CART_CHANGED")
      assert.deepInclude((inactive.details as ReadonlyArray<object>)[0]!, { code: "PRODUCT_INACTIVE" })
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("one checkout per cart: a new key while one waits for payment is CHECKOUT_PENDING with that order; after it, a new key goes", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const first = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      const second = yield* Effect.flip(place(owner, cod(cart.totals.net_payable)))
      assert.strictEqual(second._tag, "CHECKOUT_PENDING")
      assert.deepStrictEqual(second.details, {
        order_id: first.result.order.id,
        payment: Schema.encodeSync(Schema.Array(Payment))(first.result.payment)
      })
      yield* deliver(paymentEvent(first.result))
      const again = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const third = yield* place(owner, cod(again.totals.net_payable))
      assert.strictEqual(third.result.order.order_status, "CONFIRMED")
    }).pipe(Effect.provide(checkoutSandbox()))
  )
})

/** Runs virtual time on, a second at a time, until `done` holds (each second lets retries and timers fire). */
const advanceUntil = <E, R>(what: string, done: Effect.Effect<boolean, E, R>) =>
  Effect.gen(function* () {
    for (let second = 0; second < 600; second++) {
      if (yield* done) return
      yield* TestClock.adjust("1 second")
    }
    return assert.fail(`${what} did not happen`)
  })

/** The checkout of `clientKey` as the registry has it now. */
const checkoutUnder = (clientKey: string) =>
  Effect.flatMap(CheckoutRegistry, (registry) => Effect.map(registry.find(clientKey), (found) => found[0]))

/** Whether the checkout of `clientKey` has tried `activity` (its journal names it). */
const tried = (clientKey: string, activity: string) =>
  Effect.gen(function* () {
    const registry = yield* CheckoutRegistry
    const checkout = yield* checkoutUnder(clientKey)
    if (checkout === undefined) return false
    return (yield* registry.steps(checkout.execution_id)).some((s) => s.activity === activity)
  })

describe("checkout payment window (virtual time)", () => {
  it.effect("an abandoned gateway payment: at the window's end the wallet is refunded once, the order cancelled, stock released, the customer told", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const { result, idempotencyKey } = yield* place(owner, gatewayAndWallet(cart.totals.net_payable))
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance - 1_000)

      yield* TestClock.adjust("2999 millis")
      assert.strictEqual((yield* checkoutUnder(idempotencyKey))?.state, "AWAITING_PAYMENT")
      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "CANCELLED")
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
      assert.deepStrictEqual(yield* heldReservations(cart.cart_id), [])
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))
      const told = sandbox.simulators.notification.sent().filter((n) => n.order_id === result.order.id)
      assert.deepStrictEqual([...new Set(told.map((n) => n.template))], ["ORDER_CANCELLED"])

      // A success the gateway reports after all that is given back; the order stays cancelled.
      const late = yield* deliver(paymentEvent(result))
      assert.strictEqual(late.outcome, "CANCELLED")
      const gateway = result.payment.find((p) => p.payment_mode === "GATEWAY")!
      assert.strictEqual(sandbox.simulators.payment.paymentByGatewayOrderId(gateway.gateway_order_id!)?.status, "REFUNDED")
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
    }).pipe(Effect.provide(checkoutSandbox({ window: "3 seconds" })))
  )

  it.effect("the webhook was lost but the customer paid: at the window's end the gateway says so and the order completes", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const { result, idempotencyKey } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      const gateway = result.payment[0]!
      yield* sandbox.simulators.payment.settleGateway(gateway.gateway_order_id!, "SUCCESS")
      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "COMPLETED")
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
      assert.strictEqual(sandbox.simulators.payment.paymentByGatewayOrderId(gateway.gateway_order_id!)?.status, "SUCCESS")
    }).pipe(Effect.provide(checkoutSandbox({ window: "3 seconds" })))
  )

  it.effect("the reservation expired before a late payment, stock is left: reserved again, deducted, completed", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const before = sandbox.simulators.inventory.stockOf("prod_earbuds")
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_earbuds", quantity: 1 }])
      const { result } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      yield* TestClock.adjust("901 seconds")
      assert.strictEqual((yield* deliver(paymentEvent(result))).outcome, "COMPLETED")
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_earbuds"), before - 1)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
    }).pipe(Effect.provide(checkoutSandbox({ window: "1000 seconds" })))
  )

  it.effect("the reservation expired and the stock is gone: the paid order is refunded and cancelled", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_premium_case", quantity: 1 }])
      const { result } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      yield* TestClock.adjust("901 seconds")
      sandbox.simulators.inventory.setStock("prod_premium_case", undefined, 0)
      assert.strictEqual((yield* deliver(paymentEvent(result))).outcome, "CANCELLED")
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
      const payment = sandbox.simulators.payment.payments().find((p) => p.payment.order_id === result.order.id)
      assert.strictEqual(payment?.payment.status, "REFUNDED")
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_premium_case"), 0)
    }).pipe(Effect.provide(checkoutSandbox({ window: "1000 seconds" })))
  )
})

describe("checkout under faults (virtual time)", () => {
  it.effect("inventory answers 5xx during phase 2: the deduction is retried, the paid order completes, nothing is refunded", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const { result, idempotencyKey } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      yield* sandbox.simulators.payment.settleGateway(result.payment[0]!.gateway_order_id!, "SUCCESS")
      yield* injector.set([{ target: "inventory.deduct", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const webhookAnswer = yield* Effect.forkChild(deliver(paymentEvent(result)))
      yield* advanceUntil("a second try of the deduction", tried(idempotencyKey, "inventory.deduct"))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* checkoutUnder(idempotencyKey))?.state, "PAID")
      yield* injector.clear
      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "COMPLETED")
      assert.include([undefined, "COMPLETED"], (yield* Fiber.join(webhookAnswer)).outcome)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
      assert.strictEqual(sandbox.simulators.payment.payments().find((p) => p.payment.order_id === result.order.id)?.payment.status, "SUCCESS")
      assert.lengthOf((yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id && r.status === "DEDUCTED"), 1)
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a wallet debit whose answer was lost is learnt by its key and refunded once when the checkout fails", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      yield* injector.set([{ target: "payment.initiate", fault: Fault.LostReply(), rate: 1 }])
      const placing = yield* Effect.forkChild(
        Effect.flip(
          place(
            owner,
            order({
              payment_instruction: [
                { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } },
                { full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
              ],
              total_order_amount: cart.totals.net_payable / 100
            }),
            "lost-debit"
          )
        )
      )
      // Undone last first: the cash-on-delivery payment's outcome is asked for before the debit's.
      yield* advanceUntil("the payments' outcomes to be asked for", tried("lost-debit", "learn:payment.initiate#1"))
      assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1, "the debit happened though its answer was lost")
      yield* injector.clear
      yield* advanceUntil("the checkout to be undone", Effect.map(checkoutUnder("lost-debit"), (c) => c !== undefined && isTerminal(c.state)))
      const error = yield* Fiber.join(placing)
      assert.include(["DOWNSTREAM_TIMEOUT", "PAYMENT_FAILED", "IDEMPOTENCY_IN_PROGRESS"], error._tag)
      assert.strictEqual((yield* checkoutUnder("lost-debit"))?.state, "CANCELLED")
      assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.deepStrictEqual(sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id).map((o) => o.order.order_status), ["CANCELLED"])
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a master order whose answer was lost is learnt by its key and cancelled; the stock is released; the checkout names it", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      yield* injector.set([{ target: "order.createMaster", fault: Fault.LostReply(), rate: 1 }])
      const placing = yield* Effect.forkChild(Effect.flip(place(owner, cod(cart.totals.net_payable), "lost-order")))
      yield* advanceUntil("the order's outcome to be asked for", tried("lost-order", "learn:order.createMaster"))
      yield* injector.clear
      yield* advanceUntil("the checkout to be undone", Effect.map(checkoutUnder("lost-order"), (c) => c !== undefined && isTerminal(c.state)))
      yield* Fiber.join(placing)
      const orders = sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id)
      assert.deepStrictEqual(orders.map((o) => o.order.order_status), ["CANCELLED"])
      assert.deepStrictEqual(yield* heldReservations(cart.cart_id), [])
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))
      // An operator finds the cancelled order's checkout by the order's id (found by the chaos soak).
      assert.strictEqual((yield* checkoutUnder("lost-order"))?.order_id, orders[0]!.order.id)
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("the wallet debited, then the gateway refuses: the wallet refunded exactly once, stock released, order cancelled, cart kept", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const error = yield* Effect.flip(place(owner, gatewayAndWallet(cart.totals.net_payable, "RAZORPAY")))
      assert.strictEqual(error._tag, "PAYMENT_FAILED")
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1)
      assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
      assert.deepStrictEqual(sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id).map((o) => o.order.order_status), ["CANCELLED"])
      assert.deepStrictEqual(yield* heldReservations(cart.cart_id), [])
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))
    }).pipe(Effect.provide(checkoutSandbox({ catalog: { ...demoCatalog, payment_gateways: ["PHONEPE"] } })))
  )

  /** The registry refuses its first writes of a finished state: the saga's bookkeeping fails at the very end. */
  const flakyRegistry = (failures: number) =>
    Layer.effect(
      CheckoutRegistry,
      Effect.gen(function* () {
        const registry = yield* CheckoutRegistry
        let left = failures
        return CheckoutRegistry.of({
          ...registry,
          // Decided when the write runs, as a store's failure is: a retry runs the same effect again.
          update: (executionId, update) =>
            Effect.suspend(() =>
              update.state === "COMPLETED" && left-- > 0
                ? Effect.fail(new StoreUnavailable({ store: "CheckoutRegistry", message: "connection reset" }))
                : registry.update(executionId, update)
            )
        })
      })
    ).pipe(Layer.provide(CheckoutRegistry.layerMemory))

  /** The registry records a webhook's event id, then the process is gone before anything else happens. */
  const webhookCutAfterRecording = Layer.effect(
    CheckoutRegistry,
    Effect.gen(function* () {
      const registry = yield* CheckoutRegistry
      let cut = true
      return CheckoutRegistry.of({
        ...registry,
        recordWebhookEvent: (eventId, executionId) =>
          Effect.flatMap(registry.recordWebhookEvent(eventId, executionId), (first) =>
            cut ? Effect.sync(() => (cut = false)).pipe(Effect.andThen(Effect.interrupt)) : Effect.succeed(first)
          )
      })
    })
  ).pipe(Layer.provide(CheckoutRegistry.layerMemory))

  it.effect("a webhook cut off after its event was recorded: the redelivery (a duplicate) still completes the order", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const { result, idempotencyKey } = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      const event = paymentEvent(result)
      const cutOff = yield* Effect.exit(deliver(event))
      assert.isTrue(cutOff._tag === "Failure")
      assert.strictEqual((yield* checkoutUnder(idempotencyKey))?.state, "AWAITING_PAYMENT")
      const redelivered = yield* deliver(event)
      assert.deepStrictEqual([redelivered.duplicate, redelivered.outcome], [true, "COMPLETED"])
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
    }).pipe(
      Effect.provide(
        checkoutSandbox({ stores: Layer.mergeAll(CartCache.layerMemory, CartLock.layerMemory, WorkflowEngine.layerMemory, webhookCutAfterRecording) })
      )
    )
  )

  it.effect("the saga's own store fails at its last write: the completed order stays completed, and the write goes through later", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const { result, idempotencyKey } = yield* place(owner, cod(cart.totals.net_payable))
      assert.strictEqual(result.order.order_status, "CONFIRMED")
      const { record } = yield* finished(idempotencyKey)
      assert.strictEqual(record.state, "COMPLETED")
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
      assert.strictEqual(sandbox.simulators.payment.payments().find((p) => p.payment.order_id === result.order.id)?.payment.status, "SUCCESS")
    }).pipe(
      Effect.provide(
        checkoutSandbox({ stores: Layer.mergeAll(CartCache.layerMemory, CartLock.layerMemory, WorkflowEngine.layerMemory, flakyRegistry(3)) })
      )
    )
  )
})

describe("checkout abuse limits (DESIGN §3)", () => {
  const walletOnly = (total: number, otp: string) =>
    order({
      payment_instruction: [
        { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp } },
        { full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
      ],
      total_order_amount: total / 100
    })

  it.effect("after 5 wrong OTPs for a wallet, the 6th checkout with it is refused before any debit: 429 naming the limit", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      for (let attempt = 0; attempt < 5; attempt++) {
        assert.strictEqual((yield* Effect.flip(place(owner, walletOnly(cart.totals.net_payable, "000000"))))._tag, "PAYMENT_FAILED")
      }
      const ordersBefore = sandbox.simulators.order.orders().length
      const refused = yield* Effect.flip(place(owner, walletOnly(cart.totals.net_payable, "123456")))
      assert.strictEqual(refused._tag, "RATE_LIMITED")
      assert.deepInclude(refused.details as object, { limit: "wallet_otp_failures" })
      assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 0)
      assert.strictEqual(sandbox.simulators.order.orders().length, ordersBefore, "no order was created")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("unpaid checkouts at once are limited per owner, across carts: past the limit, 429; a finished one frees its slot", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const first = yield* place(owner, gatewayOnly(cart.totals.net_payable))
      yield* asRequest(flows.buyNow({ owner, request: ops({ op: "ADD", product_id: "prod_mug", quantity: 1 }) }))
      yield* asRequest(flows.updateOptions({ owner, cartType: "BUY_NOW", request: options({ pickup_point: { pickup_point_id: "pickup_1" } }) }))
      const { result: express } = yield* asRequest(flows.getFull({ owner, cartType: "BUY_NOW" }))
      const placeExpress = (key: string) =>
        Effect.flatMap(CheckoutFlows, (checkout) =>
          asRequest(
            checkout.placeOrder({
              owner,
              cartType: "BUY_NOW",
              request: cod(express.cart.totals.net_payable),
              idempotencyKey: key,
              fingerprint: fingerprintOf("POST", "/cart/place-order?cart_type=BUY_NOW", key)
            })
          )
        )
      const refused = yield* Effect.flip(placeExpress("express-1"))
      assert.strictEqual(refused._tag, "RATE_LIMITED")
      assert.deepInclude(refused.details as object, { limit: "pending_checkouts" })

      yield* deliver(paymentEvent(first.result))
      const placed = yield* placeExpress("express-2")
      assert.strictEqual(placed.result.order.order_status, "CONFIRMED")
    }).pipe(Effect.provide(checkoutSandbox({ limits: { ...defaultAbuseLimits, pendingCheckouts: { max: 1, ttlS: 1_800 } } })))
  )
})

describe("carts not fully priced are placed at their right figures (issue 13)", () => {
  const pickup = options({ pickup_point: { pickup_point_id: "pickup_1" } })

  it.effect("buy-now → PUT /cart (pickup) → place-order at the PUT's total: the mug is priced all along", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const { result: bought } = yield* asRequest(flows.buyNow({ owner, request: ops({ op: "ADD", product_id: "prod_mug", quantity: 1 }) }))
      // The mug's store includes its tax: 249.00 is the whole amount.
      assert.strictEqual(bought.cart.totals.net_payable, 24_900)
      const { result: updated } = yield* asRequest(flows.updateOptions({ owner, cartType: "BUY_NOW", request: pickup }))
      assert.isTrue(updated.cart.computed)
      assert.strictEqual(updated.cart.totals.subtotal, 24_900)
      assert.strictEqual(updated.cart.totals.net_payable, 24_900)
      const placed = yield* Effect.flatMap(CheckoutFlows, (checkout) =>
        asRequest(
          checkout.placeOrder({
            owner,
            cartType: "BUY_NOW",
            request: cod(updated.cart.totals.net_payable),
            idempotencyKey: "buy-now-1",
            fingerprint: fingerprintOf("POST", "/cart/place-order?cart_type=BUY_NOW", "buy-now-1")
          })
        )
      )
      assert.strictEqual(placed.result.order.order_status, "CONFIRMED")
      assert.strictEqual(placed.result.order.total, 24_900)
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a cart only ever lite-updated is priced by PUT /cart, and placed at that total", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 2 }) }))
      const { result } = yield* asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: pickup }))
      assert.isTrue(result.cart.computed)
      // 2 × 299.00, plus 5 % tax (store_123 is tax-exclusive).
      assert.deepInclude<unknown>(result.cart.totals, { subtotal: 59_800, tax: 2_990, net_payable: 62_790 })
      assert.deepInclude<unknown>(result.cart.items[0], { unit_price: 29_900, line_total: 59_800 })
      const placed = yield* place(owner, cod(result.cart.totals.net_payable))
      assert.strictEqual(placed.result.order.order_status, "CONFIRMED")
    }).pipe(Effect.provide(checkoutSandbox()))
  )

  it.effect("a line lite-added after the cart was priced is priced by place-order's recompute, not PRICE_CHANGED", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_mug", quantity: 1 }) }))
      // 299.00 + 5 % tax, and the mug's 249.00 (tax included).
      const placed = yield* place(owner, cod(29_900 + 1_495 + 24_900))
      assert.strictEqual(placed.result.order.order_status, "CONFIRMED")
      assert.strictEqual(placed.result.order.total, 56_295)
    }).pipe(Effect.provide(checkoutSandbox()))
  )
})
