import { Schema } from "effect"
import { NonNegativeAmount } from "../domain/Money.ts"
import { MAX_PAYMENT_INSTRUCTIONS, PaymentInstruction } from "../domain/Payment.ts"

const text = (max: number) => Schema.String.pipe(Schema.check(Schema.isMaxLength(max)))

export const Device = Schema.Struct({
  type: Schema.optionalKey(text(32)),
  fingerprint: Schema.optionalKey(text(256)),
  ip_address: Schema.optionalKey(text(64)),
  user_agent: Schema.optionalKey(text(512)),
  timezone: Schema.optionalKey(text(64))
})

/** `POST /cart/place-order` (seed shape). Decoded strictly: unknown fields are rejected. */
export const PlaceOrderRequest = Schema.Struct({
  payment_instruction: Schema.Array(PaymentInstruction).pipe(
    Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_PAYMENT_INSTRUCTIONS))
  ),
  total_order_amount: NonNegativeAmount,
  multiple_payment_methods: Schema.optionalKey(Schema.Boolean),
  order_initiated_from: Schema.optionalKey(text(32)),
  device: Schema.optionalKey(Device)
})
export type PlaceOrderRequest = typeof PlaceOrderRequest.Type
