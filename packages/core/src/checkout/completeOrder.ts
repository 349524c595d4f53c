import { Clock, Effect, Schedule } from "effect"
import { DownstreamError, OutOfStock } from "../domain/Errors.ts"
import { fromOwnerRef, ownerKey } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { ResourceConflict } from "../services/DownstreamErrors.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import { compensate } from "./compensate.ts"
import type { SagaProgress } from "./SagaProgress.ts"

/** One loyalty point per 100.00 paid, rewarded after the order completes. */
export const rewardPoints = (total: number) => Math.floor(total / 10_000)

const afterwardsRetry = Schedule.exponential("100 millis").pipe(Schedule.jittered)

/**
 * Step 8: the reservation becomes a deduction. A reservation that expired while the customer paid
 * is taken again; if the stock is gone the customer is refunded and the order cancelled (§6).
 */
const deductStock = (steps: CheckoutSteps, progress: SagaProgress) =>
  Effect.gen(function* () {
    const key = progress.idempotency_key
    const reservationId = progress.reservation_id
    if (reservationId === undefined) return yield* new DownstreamError({ service: "inventory", message: "No reservation to deduct" })
    const expired = (error: unknown) => error instanceof ResourceConflict && error.reason === "RESERVATION_EXPIRED"
    return yield* steps.deduct(`${key}:deduct`, reservationId).pipe(
      Effect.catchIf(expired, () =>
        Effect.gen(function* () {
          const again = yield* steps
            .reserve(`${key}:reserve-again`, progress.cart_id, progress.items, progress.order_id)
            .pipe(
              Effect.catchIf(
                (e) => e instanceof ResourceConflict,
                () => Effect.fail(new OutOfStock({ message: "The stock held for this order expired and is gone" }))
              )
            )
          return yield* steps.deduct(`${key}:deduct-again`, again.reservation_id)
        })
      )
    )
  })

/**
 * Phase 2 of the checkout (DESIGN §6), once every payment is confirmed: 8 inventory deduct →
 * 9 coupons used → 10 cart delete → 11 cache delete; then, never blocking the answer,
 * 12 notifications, 13 the ORDER_PLACED event and the loyalty reward, retried with backoff.
 * Every write carries a key derived from the checkout's, so a second run acts once.
 */
export const completeOrder = (deps: CheckoutDeps, steps: CheckoutSteps, progress: SagaProgress) =>
  Effect.gen(function* () {
    const key = progress.idempotency_key
    const orderId = progress.order_id!
    const outcome = yield* Effect.result(deductStock(steps, progress)) // 8
    if (outcome._tag === "Failure") {
      yield* compensate(steps, progress, "stock gone after payment")
      return yield* outcome.failure
    }
    if (progress.coupons.length > 0) {
      yield* steps.markCouponsUsed(`${key}:coupons`, progress.coupons, progress.owner.customer_id, orderId) // 9
    }
    // A cart already gone (deleted by its owner meanwhile) is what this step wants anyway.
    yield* steps.removeCart(progress.cart_id).pipe(Effect.catchTag("ResourceNotFound", () => Effect.void)) // 10
    const owner = progress.owner
    yield* Effect.ignore(
      Effect.andThen(deps.cache.remove(progress.cart_id), deps.cache.forgetOwner(ownerKey(fromOwnerRef(owner), progress.cart_type)))
    ) // 11
    const confirmed = yield* steps.setPaymentStatus(orderId, "SUCCESS", "CONFIRMED")

    const context = yield* RequestContext
    const now = yield* Clock.currentTimeMillis
    const tasks: ReadonlyArray<Effect.Effect<unknown, unknown, RequestContext>> = [
        steps.notify(`${key}:notify`, orderId, owner), // 12
        steps.publishOrderPlaced(`${key}:event`, orderId, progress.total, progress.currency, progress.device_fingerprint, progress.order_initiated_from), // 13
        owner.customer_id === undefined || rewardPoints(progress.total) === 0
          ? Effect.void
          : steps.reward(`${key}:reward`, owner.customer_id, orderId, rewardPoints(progress.total))
    ]
    const later = Effect.forEach(
      tasks,
      (task) =>
        task.pipe(
          Effect.retry({ schedule: afterwardsRetry, times: 5 }),
          Effect.catchCause((cause) => Effect.logError("post-order step failed for good", { order_id: orderId, cause: String(cause) }))
        ),
      { concurrency: "unbounded", discard: true }
    )
    yield* Effect.forkDetach(Effect.provideService(later, RequestContext, { ...context, trace: [], warnings: [], deadlineAt: now + 60_000 }))
    return confirmed
  })
