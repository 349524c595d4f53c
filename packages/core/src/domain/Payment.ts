import { Schema } from "effect"
import { PaymentId, WalletId } from "./Ids.ts"
import { Currency, NonNegativeAmount } from "./Money.ts"

export const MAX_PAYMENT_INSTRUCTIONS = 4

export const PaymentMode = Schema.Literals(["GATEWAY", "WALLET", "MANUAL", "LOYALTY"])
export type PaymentMode = typeof PaymentMode.Type
export const Gateway = Schema.Literals(["PHONEPE", "RAZORPAY", "STORE-WALLET", "COD", "LOYALTY"])
export type Gateway = typeof Gateway.Type

/** Which gateways each mode accepts: a GATEWAY payment through COD is a malformed request. */
export const gatewaysByMode: Record<PaymentMode, ReadonlyArray<Gateway>> = {
  GATEWAY: ["PHONEPE", "RAZORPAY"],
  WALLET: ["STORE-WALLET"],
  MANUAL: ["COD"],
  LOYALTY: ["LOYALTY"]
}

export const PaymentMeta = Schema.Struct({
  wallet_id: Schema.optionalKey(WalletId),
  otp: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{4,8}$/u, { expected: "a 4-8 digit OTP" })))),
  points: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))))
})

export const PaymentInstruction = Schema.Struct({
  full_amount: Schema.optionalKey(Schema.Boolean),
  amount: Schema.optionalKey(NonNegativeAmount),
  currency: Currency,
  payment_mode: PaymentMode,
  gateway: Gateway,
  client_callback_url: Schema.optionalKey(
    Schema.String.pipe(Schema.check(Schema.isMaxLength(2048), Schema.isPattern(/^https?:\/\//u, { expected: "an http(s) URL" })))
  ),
  meta: Schema.optionalKey(PaymentMeta)
}).pipe(
  Schema.check(
    Schema.makeFilter(
      (p) =>
        gatewaysByMode[p.payment_mode].includes(p.gateway) ||
        `Expected gateway ${gatewaysByMode[p.payment_mode].join(" or ")} for payment_mode ${p.payment_mode}`,
      {
        toJsonSchema: () => ({
          oneOf: Object.entries(gatewaysByMode).map(([mode, gateways]) => ({
            properties: { payment_mode: { const: mode }, gateway: { enum: [...gateways] } },
            required: ["payment_mode", "gateway"]
          }))
        })
      }
    ),
    Schema.makeFilter((p) => p.full_amount === true || p.amount !== undefined || "Expected amount unless full_amount is true", {
      toJsonSchema: () => ({
        anyOf: [{ required: ["amount"] }, { properties: { full_amount: { const: true } }, required: ["full_amount"] }]
      })
    })
  )
)
export type PaymentInstruction = typeof PaymentInstruction.Type

export const PaymentStatus = Schema.Literals(["PENDING", "SUCCESS", "FAILED", "REFUNDED"])
export type PaymentStatus = typeof PaymentStatus.Type

export const Payment = Schema.Struct({
  id: PaymentId,
  status: PaymentStatus,
  payment_mode: PaymentMode,
  gateway: Gateway,
  amount: NonNegativeAmount,
  redirect_url: Schema.optionalKey(Schema.String),
  gateway_order_id: Schema.optionalKey(Schema.String)
})
export type Payment = typeof Payment.Type
