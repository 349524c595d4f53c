import { Effect } from "effect"
import type { CheckoutRun } from "./CheckoutRun.ts"
import type { Placed } from "./phaseOne.ts"
import { type Answered, type Durable, mustStep, type StepCall } from "./sagaSteps.ts"

/** One loyalty point per 100.00 paid, rewarded after the order completes. */
export const rewardPoints = (total: number) => Math.floor(total / 10_000)

/** Why the stock could not be deducted: it is gone. */
export interface StockGone {
  readonly _tag: "StockGone"
  readonly message: string
}

/**
 * Step 8: the reservation becomes a deduction, tried until the inventory answers (a 5xx, a timeout
 * or an open breaker is not an answer). A reservation no longer held — expired while the customer
 * paid, or released — is taken again under the same order; only a definite refusal of that means
 * the stock is gone (DESIGN §6).
 */
export const deductStock = (run: CheckoutRun, placed: Placed): Durable<StockGone | undefined> =>
  Effect.gen(function* () {
    const { steps } = run
    const first = yield* mustStep(run, "inventory.deduct", steps.deduct(run.keyFor("deduct"), placed.reservationId))
    if (first._tag === "Done") return undefined
    const again = yield* mustStep(
      run,
      "inventory.reserve-again",
      steps.reserve(run.keyFor("reserve-again"), placed.cart.cart_id, placed.stock, placed.order.id)
    )
    if (again._tag === "Refused") return { _tag: "StockGone", message: `The stock held for this order lapsed and is gone (${again.error.message})` }
    run.compensations.add(() =>
      Effect.asVoid(mustStep(run, "undo:inventory.releaseReservations-again", steps.releaseReservation(again.value.reservation_id)))
    )
    const second = yield* mustStep(run, "inventory.deduct-again", steps.deduct(run.keyFor("deduct-again"), again.value.reservation_id))
    return second._tag === "Done" ? undefined : { _tag: "StockGone", message: second.error.message }
  })

/** The order confirmed and paid: the first step after the stock is gone from the shelf. */
export const confirmOrder = (run: CheckoutRun, placed: Placed) =>
  mustStep(run, "order.setPaymentStatus#confirm", run.steps.setPaymentStatus(placed.order.id, "SUCCESS", "CONFIRMED"))

/** A post-order step the service refused for good: logged, not retried (it would be refused again). */
const warnIfRefused = (run: CheckoutRun, name: string) => (outcome: Answered<unknown>) =>
  outcome._tag === "Refused"
    ? Effect.logWarning("post-order step refused", { execution_id: run.executionId, step: name, reason: outcome.error.message })
    : Effect.void

const after = <A>(run: CheckoutRun, name: string, call: StepCall<A>): Durable<void> =>
  Effect.flatMap(mustStep(run, name, call), warnIfRefused(run, name))

/**
 * Once the order stands: 9 coupons marked used, 10 the ordered lines leave the cart under its lock
 * (a line added while paying stays) and 11 its cached copy is told — each until it is done, side
 * by side, never blocking the answer (DESIGN §6).
 */
export const clearCart = (run: CheckoutRun, placed: Placed): Durable<void> => {
  const { steps, payload } = run
  const orderId = placed.order.id
  return Effect.all(
    [
      placed.coupons.length === 0
        ? Effect.void
        : after(run, "marketing.markCouponsUsed", steps.markCouponsUsed(run.keyFor("coupons"), placed.coupons, payload.owner.customer_id, orderId)), // 9
      after(run, "cart.removeLines", steps.removeOrderedLines(run.owner, payload.cart_type, placed.cart, payload.client_key)) // 10, 11
    ],
    { concurrency: "unbounded", discard: true }
  )
}

/** 12 notifications, 13 the ORDER_PLACED event (with the device fingerprint) and the loyalty reward: at least once, each with its key. */
export const announceOrder = (run: CheckoutRun, placed: Placed): Durable<void> => {
  const { steps, payload } = run
  const orderId = placed.order.id
  const total = placed.cart.totals.net_payable
  const customerId = payload.owner.customer_id
  const points = rewardPoints(total)
  return Effect.all(
    [
      after(run, "notification.send", steps.notify(run.keyFor("notify"), "ORDER_CONFIRMATION", orderId, payload.owner)), // 12
      after(
        run,
        "event.publish",
        steps.publishOrderPlaced(
          run.keyFor("event"),
          orderId,
          total,
          placed.cart.currency,
          payload.request.device?.fingerprint,
          payload.request.order_initiated_from
        )
      ), // 13
      customerId === undefined || points === 0 ? Effect.void : after(run, "loyalty.reward", steps.reward(run.keyFor("reward"), customerId, orderId, points))
    ],
    { concurrency: "unbounded", discard: true }
  )
}

/** Tells the customer an order they were answered is off (payment window over, payment failed, stock gone). */
export const announceCancellation = (run: CheckoutRun, placed: Placed): Durable<void> =>
  after(run, "notification.send#cancelled", run.steps.notify(run.keyFor("notify-cancelled"), "ORDER_CANCELLED", placed.order.id, run.payload.owner))
