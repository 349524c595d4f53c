import { Schema } from "effect"
import { mergedFromGuestField } from "../flows/mergedFromGuest.ts"
import { Order } from "../domain/Order.ts"
import { Payment } from "../domain/Payment.ts"

export const PlaceOrderResponse = Schema.Struct({
  success: Schema.Literal(true),
  order: Order,
  payment: Schema.Array(Payment),
  ...mergedFromGuestField
})
export type PlaceOrderResponse = typeof PlaceOrderResponse.Type
