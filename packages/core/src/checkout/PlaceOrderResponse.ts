import { Schema } from "effect"
import { Order } from "../domain/Order.ts"
import { Payment } from "../domain/Payment.ts"

export const PlaceOrderResponse = Schema.Struct({
  success: Schema.Literal(true),
  order: Order,
  payment: Schema.Array(Payment)
})
export type PlaceOrderResponse = typeof PlaceOrderResponse.Type
