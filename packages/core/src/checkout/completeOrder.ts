import { Cause, Clock, Effect, Option, Result, Schedule } from "effect"
import { type ApiError, DownstreamError, OutOfStock } from "../domain/Errors.ts"
import type { Order } from "../domain/Order.ts"
import { fromOwnerRef, ownerKey } from "../domain/Owner.ts"
import { fullJitter } from "../resilience/fullJitter.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { ResourceConflict, ResourceNotFound } from "../services/DownstreamErrors.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import { compensate } from "./compensate.ts"
import type { SagaProgress } from "./SagaProgress.ts"

/** One loyalty point per 100.00 paid, rewarded after the order completes. */
export const rewardPoints = (total: number) => Math.floor(total / 10_000)

const afterwardsRetry = Schedule.exponential("100 millis").pipe(Schedule.jittered)

const isRefusal = (error: unknown) => error instanceof ResourceNotFound || error instanceof ResourceConflict

/**
 * Step 8: the reservation becomes a deduction. A reservation no longer held — expired while the
 * customer paid, or released (the cart deleted meanwhile, or the reservation of an earlier,
 * rolled-back attempt under the same key) — is taken again; if the stock is gone the customer is
 * refunded and the order cancelled (§6).
 */
const deductStock = (steps: CheckoutSteps, progress: SagaProgress) =>
  Effect.gen(function* () {
    const key = progress.idempotency_key
    const reservationId = progress.reservation_id
    if (reservationId === undefined) return yield* new DownstreamError({ service: "inventory", message: "No reservation to deduct" })
    const notHeld = (error: unknown) =>
      error instanceof ResourceConflict && (error.reason === "RESERVATION_EXPIRED" || error.reason === "RESERVATION_RELEASED")
    return yield* steps.deduct(`${key}:deduct`, reservationId).pipe(
      Effect.catchIf(notHeld, () =>
        Effect.gen(function* () {
          const again = yield* steps
            .reserve(`${key}:reserve-again`, progress.cart_id, progress.items, progress.order_id)
            .pipe(
              Effect.catchIf(
                (e) => e instanceof ResourceConflict,
                () => Effect.fail(new OutOfStock({ message: "The stock held for this order lapsed and is gone" }))
              )
            )
          return yield* steps.deduct(`${key}:deduct-again`, again.reservation_id)
        })
      )
    )
  })

/** Phase 2's outcome: the order is confirmed, or paid and deducted with its confirmation still being recorded. */
export type PhaseTwo = { readonly _tag: "Confirmed"; readonly order: Order } | { readonly _tag: "Confirming" }

/** How long the background gets to finish a phase 2 the request could not, and to run the post-order steps. */
const BACKGROUND_DEADLINE_MS = 60_000
/**
 * Retries spread over about the background's deadline, none more than 5 s apart: long enough to
 * outlast an open circuit breaker's cool-down (10 s by default), short enough to notice a
 * service that is back.
 */
const rollForwardRetry = fullJitter({ baseMs: 200, capMs: 5_000 })

/**
 * Steps 9–11 and the confirmation: every one a keyed (or naturally idempotent) write, so running
 * them again after a partial run acts once.
 */
const finish = (deps: CheckoutDeps, steps: CheckoutSteps, progress: SagaProgress) =>
  Effect.gen(function* () {
    const key = progress.idempotency_key
    const orderId = progress.order_id!
    if (progress.coupons.length > 0) {
      yield* steps.markCouponsUsed(`${key}:coupons`, progress.coupons, progress.owner.customer_id, orderId) // 9
    }
    // A cart already gone (deleted by its owner meanwhile, or by an earlier run) is what this step wants anyway.
    yield* steps.removeCart(progress.cart_id).pipe(Effect.catchTag("ResourceNotFound", () => Effect.void)) // 10
    yield* Effect.ignore(
      Effect.andThen(
        deps.cache.remove(progress.cart_id),
        deps.cache.forgetOwner(ownerKey(fromOwnerRef(progress.owner), progress.cart_type))
      )
    ) // 11
    return yield* steps.setPaymentStatus(orderId, "SUCCESS", "CONFIRMED")
  })

/** 12 notifications, 13 the ORDER_PLACED event and the loyalty reward, each retried with backoff. */
const afterwards = (steps: CheckoutSteps, progress: SagaProgress) => {
  const key = progress.idempotency_key
  const orderId = progress.order_id!
  const owner = progress.owner
  const tasks: ReadonlyArray<Effect.Effect<unknown, unknown, RequestContext>> = [
    steps.notify(`${key}:notify`, orderId, owner), // 12
    steps.publishOrderPlaced(`${key}:event`, orderId, progress.total, progress.currency, progress.device_fingerprint, progress.order_initiated_from), // 13
    owner.customer_id === undefined || rewardPoints(progress.total) === 0
      ? Effect.void
      : steps.reward(`${key}:reward`, owner.customer_id, orderId, rewardPoints(progress.total))
  ]
  return Effect.forEach(
    tasks,
    (task) =>
      task.pipe(
        // A declared refusal (404/409: say, a reward for a customer with no loyalty account) is
        // an answer that would come back the same: not retried, and no operator needs paging.
        Effect.retry({ schedule: afterwardsRetry, times: 5, while: (error) => !isRefusal(error) }),
        Effect.catchCause((cause) => {
          const error = Cause.findErrorOption(cause)
          return Option.isSome(error) && isRefusal(error.value)
            ? Effect.logWarning("post-order step refused", { order_id: orderId, cause: String(cause) })
            : Effect.logError("post-order step failed for good", { order_id: orderId, cause: String(cause) })
        })
      ),
    { concurrency: "unbounded", discard: true }
  )
}

/**
 * Phase 2 of the checkout (DESIGN §6), once every payment is confirmed: 8 inventory deduct →
 * 9 coupons used → 10 cart delete → 11 cache delete → confirmation; then, never blocking the
 * answer, 12 notifications, 13 the ORDER_PLACED event and the loyalty reward, retried with backoff.
 * Every write carries a key derived from the checkout's, so a second run acts once.
 *
 * Only the deduction may fail the order (stock gone: the customer is refunded, the order
 * cancelled). Once the stock is deducted the order is paid for and its goods are taken: it only
 * goes forward. If 9–11 or the confirmation fail now, they are retried in the background until
 * they succeed (the saga then moves to COMPLETED) and the caller gets `Confirming`; undoing a paid,
 * deducted order would lose the stock and the cart and still charge nobody back for the gateway.
 */
export const completeOrder = (
  deps: CheckoutDeps,
  steps: CheckoutSteps,
  progress: SagaProgress
): Effect.Effect<PhaseTwo, ApiError | ResourceNotFound | ResourceConflict, RequestContext> =>
  Effect.gen(function* () {
    const orderId = progress.order_id!
    const outcome = yield* Effect.result(deductStock(steps, progress)) // 8
    if (outcome._tag === "Failure") {
      yield* compensate(steps, progress, "stock gone after payment")
      return yield* outcome.failure
    }

    const context = yield* RequestContext
    const now = yield* Clock.currentTimeMillis
    const inBackground = <A, E>(work: Effect.Effect<A, E, RequestContext>) =>
      Effect.forkDetach(
        Effect.provideService(work, RequestContext, { ...context, trace: [], warnings: [], deadlineAt: now + BACKGROUND_DEADLINE_MS })
      )

    const finished = yield* Effect.result(finish(deps, steps, progress))
    if (Result.isSuccess(finished)) {
      yield* inBackground(afterwards(steps, progress))
      return { _tag: "Confirmed", order: finished.success }
    }
    yield* Effect.logWarning("order paid and stock deducted, but phase 2 could not finish; retrying in the background", {
      order_id: orderId,
      error: String(finished.failure)
    })
    yield* inBackground(
      finish(deps, steps, progress).pipe(
        Effect.retry({ schedule: rollForwardRetry, times: 20, while: (error) => !isRefusal(error) }),
        Effect.andThen(
          deps.sagas
            .transition(orderId, "COMPLETED")
            .pipe(Effect.catch((error) => Effect.logWarning("checkout saga not marked COMPLETED", { order_id: orderId, error: error.message })))
        ),
        Effect.andThen(afterwards(steps, progress)),
        Effect.catchCause((cause) =>
          Effect.logError("paid order stuck in phase 2; needs an operator", { order_id: orderId, cause: String(cause) })
        )
      )
    )
    return { _tag: "Confirming" }
  })
