import { Schema } from "effect"
import { OrderId, StoreId } from "./Ids.ts"
import { Amount, Currency, NonNegativeAmount } from "./Money.ts"
import { PaymentStatus } from "./Payment.ts"

export const OrderStatus = Schema.Literals(["PENDING", "CONFIRMED", "CANCELLED", "ON_HOLD"])
export type OrderStatus = typeof OrderStatus.Type

/** A sub-order's share of the master order's charges; the shares sum exactly to the master's. */
export const OrderTotals = Schema.Struct({
  subtotal: Amount,
  discount: Amount,
  tax: Amount,
  delivery_charge: Amount,
  tips: Amount,
  gift_wrap: Amount,
  total: NonNegativeAmount
})
export type OrderTotals = typeof OrderTotals.Type

export const SubOrder = Schema.Struct({
  id: OrderId,
  number: Schema.String,
  store_id: StoreId,
  order_status: OrderStatus,
  total: NonNegativeAmount,
  totals: Schema.optionalKey(OrderTotals)
})
export type SubOrder = typeof SubOrder.Type

export const Order = Schema.Struct({
  id: OrderId,
  number: Schema.String,
  order_status: OrderStatus,
  payment_status: PaymentStatus,
  total: NonNegativeAmount,
  currency: Currency,
  sub_orders: Schema.Array(SubOrder)
})
export type Order = typeof Order.Type
