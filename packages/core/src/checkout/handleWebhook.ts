import { Effect, Option } from "effect"
import { DurableDeferred, type WorkflowEngine } from "effect/workflow"
import { type ApiError, DownstreamUnavailable, OrderNotFound } from "../domain/Errors.ts"
import { scopedKey } from "../domain/IdempotencyKey.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { type CheckoutRecord, type CheckoutRegistryShape, isTerminal } from "../stores/CheckoutRegistry.ts"
import type { CheckoutSteps } from "./checkoutSteps.ts"
import { PaymentConfirmation, paymentToken } from "./CheckoutWorkflow.ts"
import type { PaymentWebhook, WebhookResponse } from "./PaymentWebhook.ts"
import { decodeAnswer } from "./PlaceOrderAnswer.ts"


/**
 * Phase 2's trigger (DESIGN §6). The webhook completes the checkout's `PaymentConfirmation`; the
 * workflow engine, not this request, finishes phase 2 or the compensation. Completing it again
 * (a redelivery, after any cut-off) changes nothing, so every delivery completes it and effects
 * happen once. The answer waits, within the request's deadline, for the checkout to finish, to
 * tell the gateway where the order went (no `outcome`: it is still on its way).
 *
 * A SUCCESS for a checkout that was already undone (its window ended, the stock was gone) means
 * the gateway took money for an order that will not be: it is refunded, once per gateway order.
 * While that checkout is still being undone the answer is 503, so the gateway delivers again.
 */
export const handleWebhook =
  (registry: CheckoutRegistryShape, steps: CheckoutSteps) =>
  (event: PaymentWebhook): Effect.Effect<WebhookResponse, ApiError, RequestContext | WorkflowEngine.WorkflowEngine> =>
    Effect.gen(function* () {
      const found = yield* registry.findByGatewayOrderId(event.gateway_order_id)
      if (Option.isNone(found)) {
        return yield* new OrderNotFound({ message: `No order waits for gateway order ${event.gateway_order_id}` })
      }
      const executionId = found.value.execution_id
      const firstDelivery = yield* registry.recordWebhookEvent(event.event_id, executionId)
      yield* DurableDeferred.succeed(PaymentConfirmation, { token: paymentToken(executionId), value: event }).pipe(
        Effect.catchDefect((cause) => Effect.fail(new DownstreamUnavailable({ service: "checkout-engine", message: String(cause) })))
      )
      const settled = yield* awaitSettled(registry, executionId)
      const reply = (outcome?: WebhookResponse["outcome"]): WebhookResponse => ({
        success: true,
        duplicate: !firstDelivery,
        ...(settled.order_id === undefined ? {} : { order_id: settled.order_id }),
        ...(outcome === undefined ? {} : { outcome })
      })
      switch (settled.state) {
        case "COMPLETED":
          return reply(event.status === "SUCCESS" ? "COMPLETED" : "IGNORED")
        case "HELD_FOR_REVIEW":
          return reply("HELD_FOR_REVIEW")
        case "CANCELLED":
        case "REJECTED":
          if (event.status === "SUCCESS") yield* refundLatePayment(steps, settled, event)
          return reply("CANCELLED")
        case "COMPENSATING":
          if (event.status === "SUCCESS") {
            return yield* new DownstreamUnavailable({
              service: "checkout",
              message: `Order ${settled.order_id ?? executionId} is being cancelled; deliver this payment again to have it refunded`
            })
          }
          return reply()
        default:
          // Accepted: the engine goes on (phase 2 runs, or the notice is not picked up yet).
          return reply()
      }
    }).pipe(
      Effect.catchTag("StoreUnavailable", (error) =>
        Effect.fail(new DownstreamUnavailable({ service: "checkout-registry", message: error.message }))
      )
    )

/** The checkout once it has finished, or as it is at the request's deadline. */
const awaitSettled = (registry: CheckoutRegistryShape, executionId: string) =>
  Effect.gen(function* () {
    const { deadlineAt } = yield* RequestContext
    const settled = yield* registry.awaitRecord(executionId, deadlineAt, (record) => isTerminal(record.state))
    if (Option.isNone(settled)) return yield* new OrderNotFound({ message: `Checkout ${executionId} is gone` })
    return settled.value
  })

/** Gives back a payment the gateway took for a checkout that was undone; keyed per gateway order, so once. */
const refundLatePayment = (steps: CheckoutSteps, checkout: CheckoutRecord, event: PaymentWebhook) =>
  Effect.gen(function* () {
    const answer = checkout.answer === undefined ? Option.none() : yield* Effect.option(decodeAnswer(checkout.answer))
    const payment = Option.isSome(answer) && answer.value._tag === "Placed"
      ? answer.value.response.payment.find((p) => p.gateway_order_id === event.gateway_order_id)
      : undefined
    if (payment === undefined) {
      return yield* Effect.logError("late gateway payment for an undone checkout, but its payment is unknown; refund by hand", {
        execution_id: checkout.execution_id,
        gateway_order_id: event.gateway_order_id
      })
    }
    const key = scopedKey(checkout.scope, checkout.client_key, `late-refund:${event.gateway_order_id}`)
    yield* steps.refund(key, payment.id).call.pipe(
      Effect.mapError((error) =>
        new DownstreamUnavailable({ service: "payment", message: `The late payment could not be refunded yet: ${error.message}` })
      )
    )
    yield* Effect.logWarning("late gateway payment refunded: its checkout had been undone", {
      execution_id: checkout.execution_id,
      order_id: checkout.order_id,
      payment_id: payment.id
    })
  })
