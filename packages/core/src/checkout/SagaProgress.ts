import { Schema } from "effect"
import { CartId, CouponCode, OrderId, PaymentId, ReservationId } from "../domain/Ids.ts"
import { Currency, NonNegativeAmount } from "../domain/Money.ts"
import { CartType, OwnerRef } from "../domain/Owner.ts"
import { Gateway, PaymentMode, PaymentStatus } from "../domain/Payment.ts"
import { StockLine } from "../services/Inventory.ts"

export const PaymentProgress = Schema.Struct({
  index: Schema.Int,
  mode: PaymentMode,
  gateway: Gateway,
  amount: NonNegativeAmount,
  status: PaymentStatus,
  payment_id: Schema.optionalKey(PaymentId),
  redemption_id: Schema.optionalKey(Schema.String),
  gateway_order_id: Schema.optionalKey(Schema.String),
  redirect_url: Schema.optionalKey(Schema.String)
})
export type PaymentProgress = typeof PaymentProgress.Type

/**
 * What a checkout has done so far: exactly the ids its compensation and its phase 2 need. Kept in
 * the CheckoutStore so a webhook, on any process, can finish or undo the order.
 */
export const SagaProgress = Schema.Struct({
  idempotency_key: Schema.String,
  cart_id: CartId,
  cart_type: CartType,
  owner: OwnerRef,
  currency: Currency,
  total: NonNegativeAmount,
  coupons: Schema.Array(CouponCode),
  device_fingerprint: Schema.optionalKey(Schema.String),
  order_initiated_from: Schema.optionalKey(Schema.String),
  reservation_id: Schema.optionalKey(ReservationId),
  order_id: Schema.optionalKey(OrderId),
  order_number: Schema.optionalKey(Schema.String),
  payments: Schema.Array(PaymentProgress),
  /** The stock lines reserved, to reserve again when a late webhook finds the reservation expired. */
  items: Schema.Array(StockLine)
})
export type SagaProgress = typeof SagaProgress.Type

export const SagaProgressJson = Schema.fromJsonString(SagaProgress)
export const encodeProgress = Schema.encodeSync(SagaProgressJson)
export const decodeProgress = Schema.decodeUnknownEffect(SagaProgressJson)
