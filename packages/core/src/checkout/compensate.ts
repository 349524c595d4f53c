import { Clock, Effect, Schedule } from "effect"
import { RequestContext } from "../runtime/RequestContext.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import type { SagaProgress } from "./SagaProgress.ts"

/** Undos get their own time: they must run even when the failed request has used up its deadline. */
const UNDO_DEADLINE_MS = 15_000
const undoRetry = Schedule.exponential("50 millis").pipe(Schedule.jittered)

/**
 * One undo: retried with backoff; a final failure is logged for an operator, never raised, so it
 * cannot hide the error that made the saga roll back.
 */
const undo = <A, E, R>(what: string, orderId: string | undefined, effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.retry({ schedule: undoRetry, times: 4 }),
    Effect.catchCause((cause) =>
      Effect.logError("checkout compensation step failed; needs an operator", { what, order_id: orderId, cause: String(cause) })
    ),
    Effect.asVoid
  )

/**
 * Undoes what a checkout did, in reverse (DESIGN §6): give back wallet debits and loyalty points,
 * cancel the order (and with it its sub-orders), release the reservation. Every undo carries an
 * idempotency key derived from the checkout's, so running compensation twice acts once.
 */
export const compensate = (steps: CheckoutSteps, progress: SagaProgress, reason: string) =>
  Effect.gen(function* () {
    const context = yield* RequestContext
    const now = yield* Clock.currentTimeMillis
    const key = progress.idempotency_key
    const orderId = progress.order_id
    const run = Effect.gen(function* () {
      yield* Effect.forEach(
        [...progress.payments].reverse(),
        (payment) => {
          if (payment.redemption_id !== undefined) {
            return undo("loyalty.reverse", orderId, steps.reverseRedemption(`${key}:reverse:${payment.index}`, payment.redemption_id))
          }
          if (payment.payment_id !== undefined) {
            return undo("payment.refund", orderId, steps.refund(`${key}:refund:${payment.index}`, payment.payment_id))
          }
          return Effect.void
        },
        { discard: true, concurrency: "unbounded" }
      )
      if (orderId !== undefined) yield* undo("order.cancel", orderId, steps.cancelOrder(orderId, reason))
      if (progress.reservation_id !== undefined) {
        yield* undo("inventory.releaseReservations", orderId, steps.releaseReservation(progress.reservation_id))
      }
    })
    yield* Effect.provideService(run, RequestContext, { ...context, deadlineAt: now + UNDO_DEADLINE_MS })
  })
