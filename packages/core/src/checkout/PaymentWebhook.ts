import { Schema } from "effect"
import { Currency, NonNegativeAmount } from "../domain/Money.ts"

/** The gateway's notification (DESIGN §6), verified by the HTTP layer before it gets here. */
export const PaymentWebhook = Schema.Struct({
  event_id: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(128))),
  gateway_order_id: Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(128))),
  status: Schema.Literals(["SUCCESS", "FAILED"]),
  amount: NonNegativeAmount,
  currency: Currency
})
export type PaymentWebhook = typeof PaymentWebhook.Type

export const WebhookOutcome = Schema.Literals(["COMPLETED", "CANCELLED", "HELD_FOR_REVIEW", "IGNORED"])

export const WebhookResponse = Schema.Struct({
  success: Schema.Literal(true),
  duplicate: Schema.Boolean,
  order_id: Schema.optionalKey(Schema.String),
  outcome: Schema.optionalKey(WebhookOutcome)
})
export type WebhookResponse = typeof WebhookResponse.Type
