import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { PaymentWebhook } from "@orchestra/core/checkout/PaymentWebhook"
import type { Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { Fault } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox } from "../../src/sandbox/Sandbox.ts"
import { MemoryStores, SandboxFlowsInMemory, sandboxFlows } from "../../src/sandbox/SandboxEnvironment.ts"
import { asRequest, customer, freshCustomer, guest, ops } from "./support.ts"

const order = Schema.decodeUnknownSync(PlaceOrderRequest)
const webhook = Schema.decodeUnknownSync(PaymentWebhook)
const options = Schema.decodeUnknownSync(UpdateOptionsRequest)
let keys = 0
const key = () => `key_${++keys}_${Date.now()}`

/** A cart ready to place: the given lines, picked up at the Koramangala hub. */
const readyCart = (owner: Owner, lines: ReadonlyArray<unknown>) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    yield* asRequest(flows.deleteCart({ owner, cartType: "DEFAULT" })).pipe(Effect.ignore)
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

layer(SandboxFlowsInMemory, { excludeTestServices: true })("checkout", (it) => {
  it.effect("COD: phase 1 and phase 2 at once — order confirmed, stock deducted, cart gone, event published", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 2 }])
      const stockBefore = sandbox.simulators.inventory.stockOf("prod_case")
      const { result } = yield* asRequest(
        checkout.placeOrder({ owner, cartType: "DEFAULT", request: cod(cart.totals.net_payable), idempotencyKey: key() })
      )
      assert.strictEqual(result.order.order_status, "CONFIRMED")
      assert.strictEqual(result.order.payment_status, "SUCCESS")
      assert.strictEqual(result.order.total, cart.totals.net_payable)
      assert.deepStrictEqual(result.payment.map((p) => [p.payment_mode, p.status, p.amount]), [["MANUAL", "SUCCESS", cart.totals.net_payable]])
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_case"), stockBefore - 2)
      assert.isUndefined(sandbox.simulators.cart.cartById(cart.cart_id))
      const subTotal = result.order.sub_orders.reduce((sum, s) => sum + s.total, 0)
      assert.strictEqual(subTotal, result.order.total)
      yield* Effect.sleep("50 millis")
      const events = sandbox.simulators.event.published().filter((e) => e.order_id === result.order.id)
      assert.strictEqual(events.length, 1)
      assert.strictEqual(events[0]?.device_fingerprint, "fp_test")
    })
  )

  it.effect("split payment: gateway pending, wallet debited, COD; the webhook completes the order once", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 2 }])
      const net = cart.totals.net_payable
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const { result } = yield* asRequest(
        checkout.placeOrder({
          owner,
          cartType: "DEFAULT",
          idempotencyKey: key(),
          request: order({
            payment_instruction: [
              { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
              { amount: 50, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } },
              { amount: 20, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
            ],
            total_order_amount: net / 100,
            multiple_payment_methods: true
          })
        })
      )
      assert.strictEqual(result.order.order_status, "PENDING")
      assert.strictEqual(
        result.order.sub_orders.reduce((sum, s) => sum + s.total, 0),
        result.order.total,
        "a gateway order's answer carries its sub-orders"
      )
      const gateway = result.payment.find((p) => p.payment_mode === "GATEWAY")!
      assert.strictEqual(gateway.status, "PENDING")
      assert.isString(gateway.redirect_url)
      assert.strictEqual(gateway.amount, net - 7_000)
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance - 5_000)
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))

      const event = webhook({
        event_id: `evt_${key()}`,
        gateway_order_id: gateway.gateway_order_id,
        status: "SUCCESS",
        amount: gateway.amount / 100,
        currency: "INR"
      })
      const answers = yield* Effect.all(
        Array.from({ length: 5 }, () => asRequest(checkout.paymentWebhook(event))),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(answers.filter((a) => !a.result.duplicate).length, 1)
      assert.strictEqual(answers.find((a) => !a.result.duplicate)?.result.outcome, "COMPLETED")
      assert.isUndefined(sandbox.simulators.cart.cartById(cart.cart_id))
      const placed = sandbox.simulators.order.orderById(result.order.id)
      assert.strictEqual(placed?.order_status, "CONFIRMED")
      const reservations = yield* sandbox.simulators.inventory.reservations()
      assert.strictEqual(reservations.filter((r) => r.cart_id === cart.cart_id && r.status === "DEDUCTED").length, 1)
    })
  )

  it.effect("a webhook overtaking its place-order is refused until the order waits for it: one order", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      // Loyalty is slow, so place-order is still running after the gateway payment exists.
      yield* injector.set([{ target: "loyalty.redeem", fault: Fault.Latency({ millis: 300 }), rate: 1 }])
      const placing = yield* Effect.forkChild(
        asRequest(
          checkout.placeOrder({
            owner,
            cartType: "DEFAULT",
            idempotencyKey: key(),
            request: order({
              payment_instruction: [
                { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" },
                { amount: 10, currency: "INR", payment_mode: "LOYALTY", gateway: "LOYALTY" }
              ],
              total_order_amount: cart.totals.net_payable / 100
            })
          })
        )
      )
      const gatewayPayment = () => sandbox.simulators.payment.payments().find((p) => p.payment.order_id !== undefined && p.payment.payment_mode === "GATEWAY" && p.payment.status === "PENDING" && p.payment.amount === cart.totals.net_payable - 1_000)
      while (gatewayPayment() === undefined) yield* Effect.sleep("10 millis")
      const gatewayOrderId = gatewayPayment()!.payment.gateway_order_id!
      const event = webhook({ event_id: `evt_${key()}`, gateway_order_id: gatewayOrderId, status: "SUCCESS", amount: (cart.totals.net_payable - 1_000) / 100, currency: "INR" })
      const early = yield* Effect.flip(asRequest(checkout.paymentWebhook(event)))
      assert.include(["ORDER_NOT_FOUND", "IDEMPOTENCY_IN_PROGRESS"], early._tag)
      const placed = yield* Fiber.join(placing)
      yield* injector.clear
      const late = yield* asRequest(checkout.paymentWebhook(event))
      assert.strictEqual(late.result.outcome, "COMPLETED")
      const orders = sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id)
      assert.deepStrictEqual(orders.map((o) => [o.order.id, o.order.order_status]), [[placed.result.order.id, "CONFIRMED"]])
    })
  )

  it.effect("a FAILED payment webhook refunds the wallet once, cancels the order and releases the stock", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const owner = customer("cust_1")
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
      const balance = sandbox.simulators.payment.walletBalance("wal_1")!
      const { result } = yield* asRequest(
        checkout.placeOrder({
          owner,
          cartType: "DEFAULT",
          idempotencyKey: key(),
          request: order({
            payment_instruction: [
              { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "RAZORPAY" },
              { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } }
            ],
            total_order_amount: cart.totals.net_payable / 100
          })
        })
      )
      const gateway = result.payment.find((p) => p.payment_mode === "GATEWAY")!
      const failed = webhook({
        event_id: `evt_${key()}`,
        gateway_order_id: gateway.gateway_order_id,
        status: "FAILED",
        amount: gateway.amount / 100,
        currency: "INR"
      })
      const { result: answer } = yield* asRequest(checkout.paymentWebhook(failed))
      assert.strictEqual(answer.outcome, "CANCELLED")
      // A SUCCESS arriving after the FAILED is refused by the state machine.
      const late = yield* asRequest(checkout.paymentWebhook({ ...failed, event_id: `evt_${key()}`, status: "SUCCESS" }))
      assert.notStrictEqual(late.result.outcome, "COMPLETED")
      assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
      const held = (yield* sandbox.simulators.inventory.reservations()).filter(
        (r) => r.cart_id === cart.cart_id && r.status === "HELD"
      )
      assert.deepStrictEqual(held, [])
      assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))
    })
  )

  it.effect("the payment check runs first: AMOUNT_MISMATCH, CART_CHANGED, and nothing is reserved", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
      const mismatch = yield* Effect.flip(
        asRequest(
          checkout.placeOrder({
            owner,
            cartType: "DEFAULT",
            idempotencyKey: key(),
            request: order({
              payment_instruction: [{ amount: 1, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
              total_order_amount: cart.totals.net_payable / 100
            })
          })
        )
      )
      const changed = yield* Effect.flip(
        asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(cart.totals.net_payable + 100) }))
      )
      assert.strictEqual(mismatch._tag, "AMOUNT_MISMATCH")
      assert.strictEqual(changed._tag, "CART_CHANGED")
      const reservations = (yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id)
      assert.deepStrictEqual(reservations, [])
    })
  )

  it.effect("FULFILMENT_REQUIRED without an address+delivery or pickup point; CART_EMPTY; CART_NOT_FOUND", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const checkout = yield* CheckoutFlows
      const owner = freshCustomer()
      const missing = yield* Effect.flip(asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(100) })))
      assert.strictEqual(missing._tag, "CART_NOT_FOUND")
      const { result } = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const noFulfilment = yield* Effect.flip(
        asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(result.cart.totals.net_payable) }))
      )
      assert.strictEqual(noFulfilment._tag, "FULFILMENT_REQUIRED")
      yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "UPDATE", item_id: result.cart.items[0]!.item_id, quantity: 0 }) })
      )
      const empty = yield* Effect.flip(asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(0 + 1) })))
      assert.strictEqual(empty._tag, "CART_EMPTY")
    })
  )

  it.effect("a price changed since the cart was computed answers PRICE_CHANGED", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const owner = freshCustomer()
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_earbuds", quantity: 1 }])
      sandbox.simulators.product.setPrice("prod_earbuds", undefined, 139_900)
      const error = yield* Effect.flip(
        asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(cart.totals.net_payable) }))
      )
      sandbox.simulators.product.setPrice("prod_earbuds", undefined, 129_900)
      assert.strictEqual(error._tag, "PRICE_CHANGED")
    })
  )

  it.effect("flash sale: 8 concurrent COD checkouts of a product with stock 2 → 2 orders, 6 OUT_OF_STOCK", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      sandbox.simulators.inventory.setStock("prod_mug", undefined, 2)
      const buyers = Array.from({ length: 8 }, (_, i) => guest(`flash_${i}_${Date.now()}`))
      const carts = yield* Effect.forEach(buyers, (owner) => readyCart(owner, [{ op: "ADD", product_id: "prod_mug", quantity: 1 }]))
      const outcomes = yield* Effect.forEach(
        buyers,
        (owner, i) =>
          Effect.result(
            asRequest(checkout.placeOrder({ owner, cartType: "DEFAULT", idempotencyKey: key(), request: cod(carts[i]!.totals.net_payable) }))
          ),
        { concurrency: "unbounded" }
      )
      const placed = outcomes.filter((o) => o._tag === "Success")
      const refused = outcomes.flatMap((o) => (o._tag === "Failure" ? [o.failure._tag] : []))
      assert.strictEqual(placed.length, 2)
      assert.deepStrictEqual(refused, Array(6).fill("OUT_OF_STOCK"))
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_mug"), 0)
      const cartIds = new Set(carts.map((c) => c.cart_id as string))
      const held = (yield* sandbox.simulators.inventory.reservations()).filter((r) => cartIds.has(r.cart_id) && r.status === "HELD")
      assert.deepStrictEqual(held, [])
    })
  )
})

// A catalog whose only gateway is PhonePe: a Razorpay payment fails after the wallet was debited.
const phonePeOnly = { ...demoCatalog, payment_gateways: ["PHONEPE"] }
layer(sandboxFlows({ catalog: phonePeOnly }).pipe(Layer.provideMerge(MemoryStores)), { excludeTestServices: true })(
  "checkout compensation",
  (it) => {
    it.effect("wallet debited, then the gateway fails → wallet refunded exactly once, stock released, order cancelled, cart kept", () =>
      Effect.gen(function* () {
        const checkout = yield* CheckoutFlows
        const sandbox = yield* Sandbox
        const owner = customer("cust_1")
        const cart = yield* readyCart(owner, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
        const balance = sandbox.simulators.payment.walletBalance("wal_1")!
        const error = yield* Effect.flip(
          asRequest(
            checkout.placeOrder({
              owner,
              cartType: "DEFAULT",
              idempotencyKey: key(),
              request: order({
                payment_instruction: [
                  { amount: 10, currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } },
                  { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "RAZORPAY" }
                ],
                total_order_amount: cart.totals.net_payable / 100
              })
            })
          )
        )
        assert.strictEqual(error._tag, "PAYMENT_FAILED")
        assert.strictEqual(sandbox.simulators.payment.walletBalance("wal_1"), balance)
        assert.strictEqual(sandbox.simulators.payment.debitsOf("wal_1"), 1)
        assert.strictEqual(sandbox.simulators.payment.refundsOf("wal_1"), 1)
        const orders = sandbox.simulators.order.orders().filter((o) => o.cart_id === cart.cart_id)
        assert.deepStrictEqual(orders.map((o) => o.order.order_status), ["CANCELLED"])
        const held = (yield* sandbox.simulators.inventory.reservations()).filter((r) => r.cart_id === cart.cart_id && r.status === "HELD")
        assert.deepStrictEqual(held, [])
        assert.isDefined(sandbox.simulators.cart.cartById(cart.cart_id))
      })
    )
  }
)

// Virtual time (TestClock): the reservation's 900 s pass in an instant.
layer(SandboxFlowsInMemory)("checkout with a late webhook", (it) => {
  const placeWithGateway = (owner: Owner, productId: string) =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const cart = yield* readyCart(owner, [{ op: "ADD", product_id: productId, quantity: 1 }])
      const { result } = yield* asRequest(
        checkout.placeOrder({
          owner,
          cartType: "DEFAULT",
          idempotencyKey: key(),
          request: order({
            payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }],
            total_order_amount: cart.totals.net_payable / 100
          })
        })
      )
      const gateway = result.payment[0]!
      return {
        result,
        event: webhook({
          event_id: `evt_${key()}`,
          gateway_order_id: gateway.gateway_order_id,
          status: "SUCCESS",
          amount: gateway.amount / 100,
          currency: "INR"
        })
      }
    })

  it.effect("the reservation expired but stock is left: reserved again, deducted, completed", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const before = sandbox.simulators.inventory.stockOf("prod_earbuds")
      const { result, event } = yield* placeWithGateway(freshCustomer(), "prod_earbuds")
      yield* TestClock.adjust("901 seconds")
      const { result: answer } = yield* asRequest(checkout.paymentWebhook(event))
      assert.strictEqual(answer.outcome, "COMPLETED")
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_earbuds"), before - 1)
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CONFIRMED")
    })
  )

  it.effect("the reservation expired and the stock is gone: refunded and cancelled", () =>
    Effect.gen(function* () {
      const checkout = yield* CheckoutFlows
      const sandbox = yield* Sandbox
      const { result, event } = yield* placeWithGateway(freshCustomer(), "prod_premium_case")
      yield* TestClock.adjust("901 seconds")
      sandbox.simulators.inventory.setStock("prod_premium_case", undefined, 0)
      const { result: answer } = yield* asRequest(checkout.paymentWebhook(event))
      assert.strictEqual(answer.outcome, "CANCELLED")
      assert.strictEqual(sandbox.simulators.order.orderById(result.order.id)?.order_status, "CANCELLED")
      const payment = sandbox.simulators.payment.payments().find((p) => p.payment.order_id === result.order.id)
      assert.strictEqual(payment?.payment.status, "REFUNDED")
      assert.strictEqual(sandbox.simulators.inventory.stockOf("prod_premium_case"), 0)
    })
  )
})
