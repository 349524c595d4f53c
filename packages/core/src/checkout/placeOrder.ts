import { Clock, Effect, Option, Result } from "effect"
import type { Cart } from "../domain/Cart.ts"
import {
  type ApiError,
  CartEmpty,
  CartNotFound,
  CouponInvalid,
  DownstreamError,
  FulfilmentRequired,
  IdempotencyKeyReused,
  InvalidRequest,
  OutOfStock,
  PaymentFailed,
  PriceChanged
} from "../domain/Errors.ts"
import { bareLine, priceLine } from "../domain/LinePrice.ts"
import { type Currency, format, minor } from "../domain/Money.ts"
import type { Payment } from "../domain/Payment.ts"
import { type Owner, toOwnerRef } from "../domain/Owner.ts"
import { type OrderId, PaymentId } from "../domain/Ids.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { productIdsOf, unexpectedRefusals } from "../flows/cartContext.ts"
import { requestedStock } from "../flows/checkOperations.ts"
import type { Steps } from "../flows/steps.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { ResourceConflict } from "../services/DownstreamErrors.ts"
import type { Product } from "../services/Product.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import { compensate } from "./compensate.ts"
import { completeOrder } from "./completeOrder.ts"
import { type PlannedPayment, planPayments } from "./paymentPlan.ts"
import type { PlaceOrderRequest } from "./PlaceOrderRequest.ts"
import type { PlaceOrderResponse } from "./PlaceOrderResponse.ts"
import { encodeProgress, type PaymentProgress, type SagaProgress } from "./SagaProgress.ts"
import { orderTotalsOf, subOrderTotals } from "./subOrderTotals.ts"

const isStale = (cart: Cart) => !cart.computed || cart.computed_version !== cart.version

/** A cart is placed only with a fulfilment: an address with a delivery option, or a pickup point. */
const hasFulfilment = (cart: Cart) =>
  (cart.address?.shipping_address !== undefined && cart.delivery_option !== undefined) || cart.pickup_point !== undefined

/** 2b: the prices the cart was computed with must still be the prices now. */
const priceChanges = (cart: Cart, products: ReadonlyArray<Product>) => {
  const byId = new Map(products.map((p) => [p.product_id, p]))
  return cart.items.flatMap((line) => {
    const product = byId.get(line.product_id)
    const now = product === undefined ? undefined : priceLine(bareLine(line), product)?.line.unit_price
    return now === line.unit_price ? [] : [{ item_id: line.item_id, product_id: line.product_id, was: line.unit_price, now }]
  })
}

/**
 * POST /cart/place-order, phase 1 (DESIGN §6): 1 cart get (recompute if stale) → 2d payment check
 * (pure, first) → fulfilment → ‖ 2a strict inventory, 2b price compare, 2c coupons → 3 reserve →
 * 4 master order → 5 sub-orders → 6 payment status PENDING → (saga saved) → ‖ 7 payments.
 * Without a GATEWAY payment, phase 2 follows at once; else it waits for the gateway's webhook.
 * Every step that changes something is undone in reverse if a later one fails; the cart stays.
 */
export const placeOrder =
  (deps: CheckoutDeps, cartSteps: Steps, steps: CheckoutSteps) =>
  (
    input: CartScope & { readonly request: PlaceOrderRequest; readonly idempotencyKey: string }
  ): Effect.Effect<PlaceOrderResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const { owner, request, idempotencyKey: key } = input
      const found = yield* cartSteps.findCart(input) // 1
      if (Option.isNone(found)) return yield* new CartNotFound({ message: "There is no cart to place" })
      const cart = isStale(found.value) ? yield* steps.compute(found.value) : found.value
      if (cart.items.length === 0) return yield* new CartEmpty({ message: "The cart is empty" })

      const planned = planPayments(request.payment_instruction, request.total_order_amount, cart) // 2d
      if (Result.isFailure(planned)) return yield* planned.failure
      const payments = planned.success
      if (payments.filter((p) => p.mode === "GATEWAY").length > 1) {
        return yield* new InvalidRequest({
          message: "At most one GATEWAY payment per order",
          details: [{ path: ["payment_instruction"] }]
        })
      }
      if (payments.some((p) => p.mode === "LOYALTY" || p.mode === "WALLET") && owner._tag !== "Customer") {
        return yield* new InvalidRequest({ message: "Wallet and loyalty payments need a signed-in customer" })
      }
      if (!hasFulfilment(cart)) {
        return yield* new FulfilmentRequired({ message: "Choose a shipping address with a delivery option, or a pickup point" })
      }

      const stock = requestedStock(cart.items, [])
      const codes = (cart.coupons ?? []).map((c) => c.code)
      const checks = yield* Effect.all(
        {
          stock: steps.strictInventory(stock), // 2a
          products: cartSteps.searchProducts(productIdsOf(cart.items)), // 2b
          coupons: codes.length === 0 ? Effect.succeed({ coupons: [] }) : cartSteps.validateCoupons(codes, owner, cart.totals.subtotal) // 2c
        },
        { concurrency: "unbounded" }
      )
      const short = checks.stock.items.filter((a) => !a.available)
      if (short.length > 0) {
        return yield* new OutOfStock({
          message: `Not enough stock for ${short.map((a) => a.product_id).join(", ")}`,
          details: short.map((a) => ({ product_id: a.product_id, requested: a.requested, quantity_available: a.quantity_available }))
        })
      }
      const changed = priceChanges(cart, checks.products.products)
      if (changed.length > 0) {
        return yield* new PriceChanged({
          message: "Prices changed since the cart was computed; review the cart and place it again",
          details: changed.map((c) => ({ ...c, was: c.was === undefined ? null : c.was / 100, now: c.now === undefined ? null : c.now / 100 }))
        })
      }
      const invalidCoupons = checks.coupons.coupons.filter((c) => !c.valid)
      if (invalidCoupons.length > 0) {
        return yield* new CouponInvalid({
          message: `Coupon ${invalidCoupons.map((c) => c.code).join(", ")} no longer applies`,
          details: invalidCoupons.map((c) => ({ code: c.code, reason: c.reason ?? null }))
        })
      }

      let progress: SagaProgress = {
        idempotency_key: key,
        cart_id: cart.cart_id,
        cart_type: input.cartType,
        owner: toOwnerRef(owner),
        currency: cart.currency,
        total: cart.totals.net_payable,
        coupons: codes,
        ...(request.device?.fingerprint === undefined ? {} : { device_fingerprint: request.device.fingerprint }),
        ...(request.order_initiated_from === undefined ? {} : { order_initiated_from: request.order_initiated_from }),
        payments: [],
        items: stock
      }
      const reservation = yield* steps.reserve(`${key}:reserve`, cart.cart_id, stock).pipe(
        Effect.catchIf(
          (e) => e instanceof ResourceConflict,
          (e) => Effect.fail(new OutOfStock({ message: e instanceof ResourceConflict ? e.message : "Out of stock" }))
        )
      ) // 3
      progress = { ...progress, reservation_id: reservation.reservation_id }

      return yield* Effect.gen(function* () {
        const master = yield* steps.createMaster(`${key}:order`, owner, cart, orderTotalsOf(cart.totals)) // 4
        progress = { ...progress, order_id: master.id, order_number: master.number }
        // The order service keeps the first order made under this key. A cancelled one means an
        // earlier attempt with this Idempotency-Key failed and was rolled back (its 5xx was not kept,
        // so the client retried): every resource keyed from it is spent, so a new key is needed.
        if (master.order_status === "CANCELLED") {
          return yield* new IdempotencyKeyReused({
            message: "The checkout under this Idempotency-Key failed and was rolled back; place the order again with a new key",
            details: { order_id: master.id }
          })
        }
        yield* steps.createSubOrders(`${key}:sub-orders`, master.id, subOrderTotals(cart)).pipe(
          // Refused only for an order cancelled meanwhile: the order service's answer, not our defect.
          Effect.catchIf(
            (e) => e instanceof ResourceConflict,
            (e) =>
              Effect.fail(
                new DownstreamError({ service: "order", message: `order.createSubOrders refused: ${e instanceof ResourceConflict ? e.reason : "conflict"}` })
              )
          )
        ) // 5
        const pending = yield* steps.setPaymentStatus(master.id, "PENDING") // 6
        const created = yield* deps.sagas.create({
          orderId: master.id,
          state: "STARTED",
          gatewayOrderIds: [],
          data: encodeProgress(progress),
          updatedAt: yield* Clock.currentTimeMillis
        })
        if (created === "exists") yield* Effect.logWarning("checkout saga already recorded", { order_id: master.id })

        // 7: every payment runs to its end, even when another fails, so compensation knows each one.
        const orderId = master.id
        const initiated = yield* Effect.forEach(
          payments,
          (payment) => Effect.result(initiatePayment(steps, { key, owner, orderId, currency: cart.currency }, payment)),
          { concurrency: "unbounded" }
        )
        progress = { ...progress, payments: initiated.flatMap((r) => (Result.isSuccess(r) ? [r.success] : [])) }
        const failed = initiated.flatMap((r) => (Result.isFailure(r) ? [r.failure] : []))
        if (failed.length > 0) {
          yield* deps.sagas.transition(master.id, "COMPENSATING", encodeProgress(progress))
          yield* compensate(steps, progress, "payment failed")
          yield* deps.sagas.transition(master.id, "CANCELLED")
          return yield* new PaymentFailed({
            message: `Payment failed: ${failed.map((f) => f.message).join("; ")}`,
            details: failed.map((f) => ({ reason: f.message }))
          })
        }

        const gateway = progress.payments.filter((p) => p.gateway_order_id !== undefined)
        yield* Effect.forEach(gateway, (p) => deps.sagas.addGatewayOrderId(master.id, p.gateway_order_id!), { discard: true })
        yield* deps.sagas.transition(master.id, "PAYMENTS_PENDING", encodeProgress(progress))

        if (gateway.length === 0) {
          yield* deps.sagas.transition(master.id, "PAYMENT_CONFIRMED")
          const phaseTwo = yield* completeOrder(deps, steps, progress)
          // Paid and deducted, its confirmation still being recorded in the background: the order
          // stands (PENDING until confirmed), and a retry must not look for the cart it emptied.
          if (phaseTwo._tag === "Confirming") return response({ ...pending, payment_status: "SUCCESS" }, progress.payments)
          yield* deps.sagas.transition(master.id, "COMPLETED")
          return response(phaseTwo.order, progress.payments)
        }
        // The order as it stands now, with its sub-orders.
        return response(pending, progress.payments)
      }).pipe(
        // Errors before payments roll back here; payment failures compensated themselves above.
        Effect.catchIf(
          (e) => !(e instanceof PaymentFailed),
          (e) => Effect.andThen(compensate(steps, progress, "checkout failed"), Effect.fail(e))
        ),
        Effect.catchTag("StoreUnavailable", (e) =>
          Effect.fail(new PaymentFailed({ message: `Checkout state could not be saved: ${e.message}` }))
        )
      )
    }).pipe(unexpectedRefusals)

/** One payment instruction (step 7); LOYALTY spends points through the loyalty service. */
const initiatePayment = (
  steps: CheckoutSteps,
  order: { readonly key: string; readonly owner: Owner; readonly orderId: OrderId; readonly currency: Currency },
  payment: PlannedPayment
): Effect.Effect<PaymentProgress, { readonly message: string }, RequestContext> =>
  Effect.gen(function* () {
    const { key, owner, orderId } = order
    if (payment.mode === "LOYALTY") {
      if (owner._tag !== "Customer") return yield* Effect.fail({ message: "Loyalty needs a customer" })
      const account = yield* steps.loyaltyAccount(owner.customerId)
      if (account.point_value <= 0 || payment.amount % account.point_value !== 0) {
        return yield* Effect.fail({ message: `${format(payment.amount)} is not a whole number of points` })
      }
      const points = payment.amount / account.point_value
      const redemption = yield* steps.redeem(`${key}:redeem:${payment.index}`, owner.customerId, orderId, points)
      return {
        index: payment.index,
        mode: payment.mode,
        gateway: payment.gateway,
        amount: payment.amount,
        status: "SUCCESS",
        redemption_id: redemption.redemption_id
      } satisfies PaymentProgress
    }
    const record = yield* steps.initiate(`${key}:pay:${payment.index}`, owner, orderId, payment, order.currency)
    return {
      index: payment.index,
      mode: payment.mode,
      gateway: payment.gateway,
      amount: payment.amount,
      status: record.status,
      payment_id: record.payment_id,
      ...(record.gateway_order_id === undefined ? {} : { gateway_order_id: record.gateway_order_id }),
      ...(record.redirect_url === undefined ? {} : { redirect_url: record.redirect_url })
    } satisfies PaymentProgress
  }).pipe(
    Effect.mapError((e) => ({
      message: typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e)
    }))
  )

const response = (order: PlaceOrderResponse["order"], payments: ReadonlyArray<PaymentProgress>): PlaceOrderResponse => ({
  success: true,
  order,
  payment: payments.map(
    (p): Payment => ({
      // A loyalty payment is identified by its redemption.
      id: p.payment_id ?? PaymentId.make(p.redemption_id ?? "unrecorded"),
      status: p.status,
      payment_mode: p.mode,
      gateway: p.gateway,
      amount: minor(p.amount),
      ...(p.redirect_url === undefined ? {} : { redirect_url: p.redirect_url }),
      ...(p.gateway_order_id === undefined ? {} : { gateway_order_id: p.gateway_order_id })
    })
  )
})
