import { Effect, Result, Schema } from "effect"
import type { Cart } from "../domain/Cart.ts"
import {
  type ApiError,
  CartEmpty,
  CartNotFound,
  CouponInvalid,
  FulfilmentRequired,
  InvalidRequest,
  OutOfStock,
  PaymentFailed,
  PriceChanged
} from "../domain/Errors.ts"
import { type CouponCode, type OrderId, PaymentId, type ReservationId, type StoreId } from "../domain/Ids.ts"
import { type Currency, format, NonNegativeAmount } from "../domain/Money.ts"
import type { Order } from "../domain/Order.ts"
import { Gateway, type Payment, PaymentMode, PaymentStatus } from "../domain/Payment.ts"
import { productIdsOf } from "../flows/cartContext.ts"
import { cartLimitViolations, catalogView, limitViolationsError, requestedStock } from "../flows/checkOperations.ts"
import { ResourceConflict } from "../services/DownstreamErrors.ts"
import type { StockLine } from "../services/Inventory.ts"
import { type CheckoutRun, need, unexpected } from "./CheckoutRun.ts"
import { type PlannedPayment, planPayments } from "./paymentPlan.ts"
import { hasFulfilment, isStale, priceChanges } from "./placeChecks.ts"
import { mustStep, registerUndo, step, undoable } from "./sagaSteps.ts"
import { orderTotalsOf, type StoreCharges, subOrderTotals } from "./subOrderTotals.ts"

export const PaymentProgress = Schema.Struct({
  index: Schema.Int,
  mode: PaymentMode,
  gateway: Gateway,
  amount: NonNegativeAmount,
  status: PaymentStatus,
  payment_id: Schema.optionalKey(PaymentId),
  redemption_id: Schema.optionalKey(Schema.String),
  gateway_order_id: Schema.optionalKey(Schema.String),
  redirect_url: Schema.optionalKey(Schema.String)
})
export type PaymentProgress = typeof PaymentProgress.Type

/** What phase 1 made: the order waiting for its payments, and what phase 2 needs to finish it. */
export interface Placed {
  readonly cart: Cart
  readonly reservationId: ReservationId
  /** The stock reserved, to reserve again when a late payment finds the reservation expired. */
  readonly stock: ReadonlyArray<StockLine>
  readonly coupons: ReadonlyArray<CouponCode>
  readonly order: Order
  readonly payments: ReadonlyArray<PaymentProgress>
}

/** The pure checks of phase 1, before anything is reserved or created (DESIGN §6 step 2d). */
const checkRequest = (run: CheckoutRun, cart: Cart): Result.Result<ReadonlyArray<PlannedPayment>, ApiError> => {
  const { request } = run.payload
  if (cart.items.length === 0) return Result.fail(new CartEmpty({ message: "The cart is empty" }))
  const planned = planPayments(request.payment_instruction, request.total_order_amount, cart)
  if (Result.isFailure(planned)) return planned
  const payments = planned.success
  if (payments.filter((p) => p.mode === "GATEWAY").length > 1) {
    return Result.fail(new InvalidRequest({ message: "At most one GATEWAY payment per order", details: [{ path: ["payment_instruction"] }] }))
  }
  if (payments.some((p) => p.mode === "LOYALTY" || p.mode === "WALLET") && run.owner._tag !== "Customer") {
    return Result.fail(new InvalidRequest({ message: "Wallet and loyalty payments need a signed-in customer" }))
  }
  if (!hasFulfilment(cart)) {
    return Result.fail(new FulfilmentRequired({ message: "Choose a shipping address with a delivery option, or a pickup point" }))
  }
  return Result.succeed(payments)
}

const outOfStock = (refusal: { readonly message: string }) => new OutOfStock({ message: refusal.message })

/**
 * Checkout phase 1 (DESIGN §6): 1 cart get (recompute if stale) → 2d payment check (pure, first)
 * → ‖ 2a strict inventory, 2b price compare, 2c coupons (with the stores' statuses for §3's limits
 * and their charges for the sub-orders) → 3 reserve → 4 master order → 5
 * sub-orders → 6 payment status PENDING → ‖ 7 initiate each payment. Every write registers its
 * undo in `run.compensations`; the caller rolls them back if this fails.
 */
export const phaseOne = (run: CheckoutRun) =>
  Effect.gen(function* () {
    const { steps, payload, owner } = run
    const scope = { owner, cartType: payload.cart_type }
    const found = yield* need(step(run, "cart.find", steps.findCart(scope)), unexpected("cart")) // 1
    if (found === null) return yield* new CartNotFound({ message: "There is no cart to place" })
    const cart = isStale(found) ? yield* recompute(run, found) : found

    const checked = checkRequest(run, cart) // 2d
    if (Result.isFailure(checked)) return yield* checked.failure
    const payments = checked.success

    const stock = requestedStock(cart.items, [])
    const coupons = (cart.coupons ?? []).map((c) => c.code)
    const storeIds = [...new Set(cart.items.flatMap((line) => (line.store_id === undefined ? [] : [line.store_id])))]
    const checks = yield* Effect.all(
      {
        charges: storeCharges(run, cart, storeIds),
        stores: need(step(run, "sellerAdmin.storeStatus", steps.storeStatuses(owner.domainId, storeIds)), unexpected("sellerAdmin")), // DESIGN §3's limits
        stock: need(step(run, "inventory.checkAvailability", steps.strictInventory(stock)), unexpected("inventory")), // 2a
        products: need(step(run, "product.search", steps.searchProducts(productIdsOf(cart.items))), unexpected("product")), // 2b
        coupons:
          coupons.length === 0
            ? Effect.succeed({ coupons: [] })
            : need(step(run, "marketing.validateCoupons", steps.validateCoupons(coupons, owner, cart.totals.subtotal)), unexpected("marketing")) // 2c
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
    // DESIGN §3's limits hold when the cart is placed too: active products from stores taking
    // orders, within max_per_order and 100 lines.
    const violations = cartLimitViolations(cart.items, catalogView(checks.products.products, [], checks.stores))
    if (violations.length > 0) return yield* limitViolationsError(violations)
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

    const reservation = yield* need(
      undoable(run, run.compensations, "inventory.reserve", steps.reserve(run.keyFor("reserve"), cart.cart_id, stock), (made) =>
        Effect.asVoid(mustStep(run, "undo:inventory.releaseReservations", steps.releaseReservation(made.reservation_id)))
      ),
      outOfStock
    ) // 3
    const master = yield* need(
      undoable(
        run,
        run.compensations,
        "order.createMaster",
        steps.createMaster(run.keyFor("order"), payload.owner, cart, orderTotalsOf(cart.totals)),
        // Cancelling the master cancels its sub-orders with it. The checkout names the order first:
        // one whose answer was lost is known only from here, and operators look checkouts up by it.
        (made, reason) =>
          Effect.andThen(
            run.record("order-undone", { order_id: made.id, order_number: made.number }),
            Effect.asVoid(mustStep(run, "undo:order.cancel", steps.cancelOrder(made.id, reason)))
          )
      ),
      unexpected("order")
    ) // 4
    yield* run.record("order", { order_id: master.id, order_number: master.number })
    const subOrders = subOrderTotals(cart, checks.charges)
    yield* need(step(run, "order.createSubOrders", steps.createSubOrders(run.keyFor("sub-orders"), master.id, subOrders)), unexpected("order")) // 5
    const pending = yield* need(step(run, "order.setPaymentStatus", steps.setPaymentStatus(master.id, "PENDING")), unexpected("order")) // 6

    const initiated = yield* initiatePayments(run, master.id, cart.currency, payments) // 7
    return {
      cart,
      reservationId: reservation.reservation_id,
      stock,
      coupons,
      order: pending,
      payments: initiated
    } satisfies Placed
  })

/**
 * Step 1's recompute of a stale cart (lite-updated, or never computed): the cart service knows the
 * products of the lines it priced before, not of lines added since, so the current products of
 * every line, their stores' tax settings and the promotions go with it (issue 13) — else a line
 * never priced counts nothing and fails the price check. Its reads are recorded apart from step
 * 2's ("recompute:"), as the journal knows an activity by its name. Promotions are optional: without
 * them the cart service keeps the last ones it used.
 */
const recompute = (run: CheckoutRun, found: Cart) =>
  Effect.gen(function* () {
    const { steps, owner } = run
    const productIds = productIdsOf(found.items)
    if (productIds.length === 0) return yield* need(step(run, "cart.compute", steps.compute(found.cart_id, {})), unexpected("cart"))
    const [products, promotions] = yield* Effect.all(
      [
        need(step(run, "recompute:product.search", steps.searchProducts(productIds)), unexpected("product")),
        step(run, "recompute:marketing.promotionsApplicable", steps.promotions(productIds))
      ],
      { concurrency: "unbounded" }
    )
    const storeIds = [...new Set(products.products.map((p) => p.store_id))]
    const taxSettings = yield* need(step(run, "recompute:sellerAdmin.taxSettings", steps.taxSettings(owner.domainId, storeIds)), unexpected("sellerAdmin"))
    const input = {
      products: products.products,
      tax_settings: taxSettings,
      ...(promotions._tag === "Done" ? { promotions: promotions.value.promotions } : {})
    }
    return yield* need(step(run, "cart.compute", steps.compute(found.cart_id, input)), unexpected("cart"))
  })

/**
 * What each store charges on its own, for its sub-order (step 5): its tax setting and, with a
 * delivery, the shipping service's quote per store. Read beside the checks of step 2; without an
 * answer the sub-orders are split in proportion instead — the order is not refused for it, and the
 * columns still sum to the master's.
 */
const storeCharges = (run: CheckoutRun, cart: Cart, storeIds: ReadonlyArray<StoreId>) =>
  Effect.gen(function* () {
    const { steps, owner } = run
    const delivery = cart.delivery_option
    const [taxSettings, shipping] = yield* Effect.all(
      [
        step(run, "sellerAdmin.taxSettings", steps.taxSettings(owner.domainId, storeIds)),
        delivery === undefined
          ? Effect.succeed(undefined)
          : step(run, "shipping.calculateRate", steps.shippingRate(delivery.delivery_option_id, storeIds, cart.address?.shipping_address?.address_id))
      ],
      { concurrency: "unbounded" }
    )
    if (taxSettings._tag !== "Done" || (shipping !== undefined && shipping._tag !== "Done")) {
      yield* Effect.logWarning("store charges not known: sub-orders split in proportion", { execution_id: run.executionId })
    }
    return {
      taxSettings: taxSettings._tag === "Done" ? taxSettings.value : [],
      deliveryCharges: shipping?._tag === "Done" ? shipping.value.charges : []
    } satisfies StoreCharges
  })

/**
 * Step 7: every payment runs to its end, side by side, even when another fails, so that the undos
 * know each one; they are registered in the instructions' order once all have answered.
 */
const initiatePayments = (run: CheckoutRun, orderId: OrderId, currency: Currency, payments: ReadonlyArray<PlannedPayment>) =>
  Effect.gen(function* () {
    const outcomes = yield* Effect.forEach(payments, (payment) => initiatePayment(run, orderId, currency, payment), {
      concurrency: "unbounded"
    })
    for (const outcome of outcomes) yield* outcome.register
    const failed = outcomes.flatMap((o) => (Result.isFailure(o.result) ? [o.result.failure] : []))
    if (failed.length > 0) {
      return yield* new PaymentFailed({
        message: `Payment failed: ${failed.map((f) => f.message).join("; ")}`,
        details: failed.map((f) => ({ reason: f.message }))
      })
    }
    return outcomes.flatMap((o) => (Result.isSuccess(o.result) ? [o.result.success] : []))
  })

/** One payment instruction; LOYALTY spends points through the loyalty service. */
const initiatePayment = (run: CheckoutRun, orderId: OrderId, currency: Currency, payment: PlannedPayment) =>
  Effect.gen(function* () {
    const { steps, owner } = run
    const i = payment.index
    const progress = { index: i, mode: payment.mode, gateway: payment.gateway, amount: payment.amount }
    if (payment.mode === "LOYALTY") {
      if (owner._tag !== "Customer") return { result: Result.fail({ message: "Loyalty needs a customer" }), register: Effect.void }
      const account = yield* step(run, `loyalty.account#${i}`, steps.loyaltyAccount(owner.customerId))
      if (account._tag !== "Done") return { result: Result.fail({ message: account.error.message }), register: Effect.void }
      const { point_value } = account.value
      if (point_value <= 0 || payment.amount % point_value !== 0) {
        return { result: Result.fail({ message: `${format(payment.amount)} is not a whole number of points` }), register: Effect.void }
      }
      const name = `loyalty.redeem#${i}`
      const write = steps.redeem(run.keyFor(`redeem:${i}`), owner.customerId, orderId, payment.amount / point_value)
      const outcome = yield* step(run, name, write)
      return {
        result:
          outcome._tag === "Done"
            ? Result.succeed<PaymentProgress>({ ...progress, status: "SUCCESS", redemption_id: outcome.value.redemption_id })
            : Result.fail({ message: outcome.error.message }),
        register: registerUndo(run, run.compensations, name, write, outcome, (made) =>
          Effect.asVoid(mustStep(run, `undo:loyalty.reverse#${i}`, steps.reverseRedemption(run.keyFor(`reverse:${i}`), made.redemption_id)))
        )
      }
    }
    const name = `payment.initiate#${i}`
    const write = steps.initiate(run.keyFor(`pay:${i}`), run.payload.owner, orderId, payment, currency)
    const outcome = yield* step(run, name, write)
    const walletId = payment.instruction.meta?.wallet_id
    if (outcome._tag === "Refused" && outcome.error instanceof ResourceConflict && outcome.error.reason === "INVALID_OTP" && walletId !== undefined) {
      yield* run.otpFailed(`limits.otp-failure#${i}`, walletId)
    }
    return {
      result:
        outcome._tag === "Done"
          ? Result.succeed<PaymentProgress>({
              ...progress,
              status: outcome.value.status,
              payment_id: outcome.value.payment_id,
              ...(outcome.value.gateway_order_id === undefined ? {} : { gateway_order_id: outcome.value.gateway_order_id }),
              ...(outcome.value.redirect_url === undefined ? {} : { redirect_url: outcome.value.redirect_url })
            })
          : Result.fail({ message: outcome.error.message }),
      register: registerUndo(run, run.compensations, name, write, outcome, (made) =>
        Effect.asVoid(mustStep(run, `undo:payment.refund#${i}`, steps.refund(run.keyFor(`refund:${i}`), made.payment_id)))
      )
    }
  })

/** The payments as the place-order answer shows them. */
export const paymentsOf = (payments: ReadonlyArray<PaymentProgress>): ReadonlyArray<Payment> =>
  payments.map(
    (p): Payment => ({
      // A loyalty payment is identified by its redemption.
      id: p.payment_id ?? PaymentId.make(p.redemption_id ?? "unrecorded"),
      status: p.status,
      payment_mode: p.mode,
      gateway: p.gateway,
      amount: p.amount,
      ...(p.redirect_url === undefined ? {} : { redirect_url: p.redirect_url }),
      ...(p.gateway_order_id === undefined ? {} : { gateway_order_id: p.gateway_order_id })
    })
  )
