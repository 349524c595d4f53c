import { Effect, Option } from "effect"
import { type ApiError, DownstreamUnavailable, IdempotencyInProgress, OrderNotFound } from "../domain/Errors.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import { compensate } from "./compensate.ts"
import { completeOrder } from "./completeOrder.ts"
import type { PaymentWebhook, WebhookResponse } from "./PaymentWebhook.ts"
import { decodeProgress, encodeProgress } from "./SagaProgress.ts"

/**
 * Phase 2's trigger (DESIGN §6). The saga's state machine, a compare-and-set in the store, is
 * what makes a webhook act once: of any number of deliveries, on any number of processes, only the
 * one that moves PAYMENTS_PENDING on runs phase 2 or the compensation; the others answer
 * `duplicate: true`. A FAILED after SUCCESS cannot move the state back and is only logged. A
 * webhook that overtakes its place-order (payments initiated, saga not yet waiting) gets a 409,
 * so the gateway delivers it again once the order waits for it.
 */
export const handleWebhook =
  (deps: CheckoutDeps, steps: CheckoutSteps) =>
  (event: PaymentWebhook): Effect.Effect<WebhookResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const record = yield* deps.sagas.findByGatewayOrderId(event.gateway_order_id)
      if (Option.isNone(record)) {
        return yield* new OrderNotFound({ message: `No order waits for gateway order ${event.gateway_order_id}` })
      }
      const orderId = record.value.orderId
      if (record.value.state === "STARTED") {
        // Place-order is still initiating payments: the gateway must deliver this again.
        return yield* new IdempotencyInProgress({ message: `Order ${orderId} is still being placed; retry` })
      }
      // A record of deliveries for operators; acting once is the state machine's job, below.
      const firstDelivery = yield* deps.sagas.markEventProcessed(event.event_id)
      if (!firstDelivery && record.value.state !== "PAYMENTS_PENDING") {
        return { success: true, duplicate: true, order_id: orderId } as const
      }
      const progress = yield* decodeProgress(record.value.data).pipe(Effect.orDie)
      const payment = progress.payments.find((p) => p.gateway_order_id === event.gateway_order_id)

      if (payment === undefined || event.amount !== payment.amount || event.currency !== progress.currency) {
        const held = yield* deps.sagas.transition(orderId, "HELD_FOR_REVIEW")
        if (held._tag === "Moved") {
          yield* steps.setPaymentStatus(progress.order_id!, "PENDING", "ON_HOLD").pipe(Effect.ignore)
          yield* Effect.logWarning("payment amount differs from the order's; order held for review", {
            order_id: orderId,
            expected: payment?.amount,
            received: event.amount
          })
        }
        return { success: true, duplicate: held._tag === "Rejected", order_id: orderId, outcome: "HELD_FOR_REVIEW" } as const
      }

      if (event.status === "FAILED") {
        const moved = yield* deps.sagas.transition(orderId, "COMPENSATING")
        if (moved._tag === "Rejected") {
          yield* Effect.logWarning("payment FAILED after the order moved on; ignored", { order_id: orderId, state: record.value.state })
          return { success: true, duplicate: false, order_id: orderId, outcome: "IGNORED" } as const
        }
        yield* compensate(steps, progress, "payment failed at the gateway")
        yield* deps.sagas.transition(orderId, "CANCELLED")
        return { success: true, duplicate: false, order_id: orderId, outcome: "CANCELLED" } as const
      }

      const updated = {
        ...progress,
        payments: progress.payments.map((p) => (p === payment ? { ...p, status: "SUCCESS" as const } : p))
      }
      const moved = yield* deps.sagas.transition(orderId, "PAYMENT_CONFIRMED", encodeProgress(updated))
      if (moved._tag === "Rejected") return { success: true, duplicate: true, order_id: orderId } as const
      const done = yield* Effect.result(completeOrder(deps, steps, updated))
      if (done._tag === "Failure") {
        // Only a failed deduction fails phase 2, and completeOrder has refunded and cancelled by then.
        yield* deps.sagas.transition(orderId, "COMPENSATING")
        yield* deps.sagas.transition(orderId, "CANCELLED")
        return { success: true, duplicate: false, order_id: orderId, outcome: "CANCELLED" } as const
      }
      // Paid and deducted; the rest of phase 2 finishes in the background, which then completes the saga.
      if (done.success._tag === "Confirming") return { success: true, duplicate: false, order_id: orderId } as const
      yield* deps.sagas.transition(orderId, "COMPLETED")
      return { success: true, duplicate: false, order_id: orderId, outcome: "COMPLETED" } as const
    }).pipe(
      Effect.catchTag("StoreUnavailable", (e) =>
        Effect.fail(new DownstreamUnavailable({ service: "checkout-store", message: e.message }))
      )
    )
