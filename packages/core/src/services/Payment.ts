import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CustomerId, OrderId, PaymentId, PaymentMethodId } from "../domain/Ids.ts"
import { Currency, NonNegativeAmount } from "../domain/Money.ts"
import { Gateway, PaymentMeta, PaymentMode, PaymentStatus } from "../domain/Payment.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"

export const PaymentMethod = Schema.Struct({
  payment_method_id: PaymentMethodId,
  type: Schema.String,
  active: Schema.Boolean
})

export const PaymentRecord = Schema.Struct({
  payment_id: PaymentId,
  order_id: OrderId,
  status: PaymentStatus,
  payment_mode: PaymentMode,
  gateway: Gateway,
  amount: NonNegativeAmount,
  currency: Currency,
  redirect_url: Schema.optionalKey(Schema.String),
  gateway_order_id: Schema.optionalKey(Schema.String)
})
export type PaymentRecord = typeof PaymentRecord.Type

export const PaymentGroup = HttpApiGroup.make("payment")
  .add(
    HttpApiEndpoint.get("paymentMethod", "/api/payment-methods/:id", {
      params: { id: PaymentMethodId },
      success: PaymentMethod,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.post("initiate", "/api/payments/initiate", {
      payload: Schema.Struct({
        idempotency_key: Schema.String,
        order_id: OrderId,
        customer_id: Schema.optionalKey(CustomerId),
        amount: NonNegativeAmount,
        currency: Currency,
        payment_mode: PaymentMode,
        gateway: Gateway,
        callback_url: Schema.optionalKey(Schema.String),
        meta: Schema.optionalKey(PaymentMeta)
      }),
      success: PaymentRecord,
      error: ResourceConflict
    })
  )
  // Not in the seed: at the end of the payment window the checkout asks the gateway whether the
  // customer paid after all (its webhook may be late or lost) before giving the order up.
  .add(
    HttpApiEndpoint.get("status", "/api/payments/:payment_id", {
      params: { payment_id: PaymentId },
      success: PaymentRecord,
      error: ResourceNotFound
    })
  )
  // Not in the seed: compensation needs a way to give a wallet debit back.
  .add(
    HttpApiEndpoint.post("refund", "/api/payments/:payment_id/refund", {
      params: { payment_id: PaymentId },
      payload: Schema.Struct({ idempotency_key: Schema.String }),
      success: PaymentRecord,
      error: ResourceNotFound
    })
  )

export const PaymentApi = HttpApi.make("payment").add(PaymentGroup)

export class PaymentService extends Context.Service<PaymentService, Client<typeof PaymentGroup>>()(
  "orchestra/PaymentService"
) {
  static readonly layer = liveLayer(PaymentService, PaymentApi, "payment")
}
