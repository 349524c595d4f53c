import { Schema } from "effect"
import { Cart, CouponApplied, OperationResult, Totals } from "../domain/Cart.ts"
import { CouponCode, ProductId, VariantId } from "../domain/Ids.ts"
import { Amount, Currency, NonNegativeAmount } from "../domain/Money.ts"
import { CartType } from "../domain/Owner.ts"
import { mergedFromGuestField } from "./mergedFromGuest.ts"
import { Warning } from "./warning.ts"

export { Warning } from "./warning.ts"

/** What GET answers for an owner without a cart: nothing is created. */
export const EmptyCart = Schema.Struct({
  cart_id: Schema.Null,
  cart_type: CartType,
  currency: Currency,
  // An array of nothing rather than Tuple([]): the document then says `items` + `maxItems: 0`, which every OpenAPI linter reads.
  items: Schema.Array(Schema.Never).pipe(Schema.check(Schema.isMaxLength(0))),
  /** As every cart carries it (the seed's cart shape); none without a cart. */
  coupons_applied: Schema.Array(Schema.Never).pipe(Schema.check(Schema.isMaxLength(0))),
  totals: Totals
})
export type EmptyCart = typeof EmptyCart.Type

export const ItemsResponse = Schema.Struct({
  success: Schema.Literal(true),
  cart_type: CartType,
  operations_applied: Schema.Int,
  results: Schema.Array(OperationResult),
  cart: Cart,
  coupon_applied: Schema.Array(CouponApplied),
  warnings: Schema.Array(Warning),
  ...mergedFromGuestField
})
export type ItemsResponse = typeof ItemsResponse.Type

const Status = Schema.Literals(["VALID", "INVALID"])
export const FieldValidation = Schema.Struct({
  status: Status,
  reason: Schema.optionalKey(Schema.String),
  charge: Schema.optionalKey(NonNegativeAmount)
})
export type FieldValidation = typeof FieldValidation.Type
export const CouponValidationResult = Schema.Struct({
  code: CouponCode,
  status: Status,
  reason: Schema.optionalKey(Schema.String),
  discount: Schema.optionalKey(Amount)
})
export type CouponValidationResult = typeof CouponValidationResult.Type

/** The seed's summary of the coupons sent: VALID when every code is, `discount` their total (positive). */
export const CouponsValidation = Schema.Struct({ status: Status, discount: NonNegativeAmount })

/**
 * One entry per field the request sent; invalid fields were not applied. The figures (`charge`,
 * `discount`) are the computed cart's, so they agree with its totals.
 */
export const Validations = Schema.Struct({
  coupon: Schema.optionalKey(CouponsValidation),
  coupons: Schema.optionalKey(Schema.Array(CouponValidationResult)),
  address: Schema.optionalKey(FieldValidation),
  tips: Schema.optionalKey(FieldValidation),
  delivery_option: Schema.optionalKey(FieldValidation),
  delivery_preference: Schema.optionalKey(FieldValidation),
  pickup_point: Schema.optionalKey(FieldValidation),
  payment_method: Schema.optionalKey(FieldValidation),
  gift_wrap: Schema.optionalKey(FieldValidation),
  special_instructions: Schema.optionalKey(FieldValidation)
})
export type Validations = typeof Validations.Type

export const UpdateOptionsResponse = Schema.Struct({
  success: Schema.Literal(true),
  cart_type: CartType,
  cart: Cart,
  validations: Validations,
  warnings: Schema.Array(Warning),
  ...mergedFromGuestField
})
export type UpdateOptionsResponse = typeof UpdateOptionsResponse.Type

export const InventoryStatus = Schema.Struct({
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  available: Schema.Boolean,
  quantity_available: Schema.Int
})

export const GetCartResponse = Schema.Struct({
  success: Schema.Literal(true),
  cart_type: CartType,
  cart: Schema.Union([Cart, EmptyCart]),
  inventory_status: Schema.Array(InventoryStatus),
  warnings: Schema.Array(Warning),
  /** True when computing failed and this is the last computed cart. */
  stale: Schema.Boolean.annotate({
    description:
      "True when the cart could not be priced now (current prices, tax or the compute itself unavailable, or the cart changed meanwhile): " +
      "its figures are from its last computation, named in `warnings`."
  }),
  ...mergedFromGuestField
})
export type GetCartResponse = typeof GetCartResponse.Type

export const GetCachedCartResponse = Schema.Struct({
  success: Schema.Literal(true),
  cart_type: CartType,
  from_cache: Schema.Boolean,
  cache_age_seconds: Schema.optionalKey(Schema.Int),
  cart: Schema.Union([Cart, EmptyCart]),
  ...mergedFromGuestField
})
export type GetCachedCartResponse = typeof GetCachedCartResponse.Type

export const DeleteCartResponse = Schema.Struct({
  success: Schema.Literal(true),
  message: Schema.String,
  cart_id: Cart.fields.cart_id,
  cart_type: CartType,
  warnings: Schema.Array(Warning),
  ...mergedFromGuestField
})
export type DeleteCartResponse = typeof DeleteCartResponse.Type
