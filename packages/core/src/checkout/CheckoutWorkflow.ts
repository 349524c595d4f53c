import { Schema } from "effect"
import { DurableDeferred, Workflow } from "effect/workflow"
import { OrderId } from "../domain/Ids.ts"
import { Currency, NonNegativeAmount } from "../domain/Money.ts"
import { CartType, OwnerRef } from "../domain/Owner.ts"
import { PlaceOrderRequest } from "./PlaceOrderRequest.ts"

/**
 * What starts a checkout: who places which cart with which request, under which client key.
 * Stored by the engine with the execution, so a replay on any process sees the same request.
 */
export const CheckoutPayload = Schema.Struct({
  /** The owner's key scope (`keyScope`): two owners' equal keys are two checkouts. */
  scope: Schema.String,
  client_key: Schema.String,
  owner: OwnerRef,
  cart_type: CartType,
  request: PlaceOrderRequest,
  /** The request that started it, for the logs of every later step. */
  request_id: Schema.String
})
export type CheckoutPayload = typeof CheckoutPayload.Type

/** How a checkout ended: its terminal state and, when one was created, the order. */
export const CheckoutOutcome = Schema.Struct({
  state: Schema.Literals(["COMPLETED", "CANCELLED", "REJECTED", "HELD_FOR_REVIEW"]),
  order_id: Schema.optionalKey(OrderId)
})
export type CheckoutOutcome = typeof CheckoutOutcome.Type

/**
 * The place-order saga of DESIGN §6 as a durable workflow: one execution per (owner, client key).
 * It never fails: a refused or undone checkout is an outcome, and its answer for the client is
 * kept in the checkout registry.
 */
export const CheckoutWorkflow = Workflow.make("Checkout", {
  payload: CheckoutPayload,
  success: CheckoutOutcome,
  idempotencyKey: (payload) => `${payload.scope}\n${payload.client_key}`
})

/** The gateway's word on a payment, as its webhook delivered it. */
export const PaymentNotice = Schema.Struct({
  event_id: Schema.String,
  gateway_order_id: Schema.String,
  status: Schema.Literals(["SUCCESS", "FAILED"]),
  amount: NonNegativeAmount,
  currency: Currency
})
export type PaymentNotice = typeof PaymentNotice.Type

/**
 * Completed by the first webhook for the checkout's gateway payment (at most one per order); a
 * redelivery completes it again, which changes nothing.
 */
export const PaymentConfirmation = DurableDeferred.make("gateway-payment", { success: PaymentNotice })

/** The token a webhook completes `PaymentConfirmation` with, from the execution the registry names. */
export const paymentToken = (executionId: string) =>
  DurableDeferred.tokenFromExecutionId(PaymentConfirmation, { workflow: CheckoutWorkflow, executionId })
