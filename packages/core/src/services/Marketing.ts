import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { BundleId, CouponCode, CustomerId, DeliveryOptionId, OrderId, ProductId, PromotionId } from "../domain/Ids.ts"
import { Amount, NonNegativeAmount } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict } from "./DownstreamErrors.ts"

const Percent = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 100 })))

export const ComboPromotion = Schema.Struct({
  promotion_id: PromotionId,
  type: Schema.Literal("COMBO"),
  title: Schema.String,
  requires_product_ids: Schema.Array(ProductId),
  target_product_ids: Schema.Array(ProductId),
  percent: Percent
})
export const FreeDeliveryPromotion = Schema.Struct({
  promotion_id: PromotionId,
  type: Schema.Literal("FREE_DELIVERY"),
  title: Schema.String,
  threshold: NonNegativeAmount,
  delivery_option_ids: Schema.Array(DeliveryOptionId)
})
export const Promotion = Schema.Union([ComboPromotion, FreeDeliveryPromotion]).pipe(Schema.toTaggedUnion("type"))
export type Promotion = typeof Promotion.Type

export const CouponDefinition = Schema.Struct({
  code: CouponCode,
  type: Schema.Literals(["PERCENT", "FLAT"]),
  percent: Schema.optionalKey(Percent),
  amount: Schema.optionalKey(NonNegativeAmount),
  max_discount: Schema.optionalKey(NonNegativeAmount),
  min_subtotal: NonNegativeAmount,
  valid_until: Schema.String,
  once_per_customer: Schema.optionalKey(Schema.Boolean)
})
export type CouponDefinition = typeof CouponDefinition.Type

export const CouponValidation = Schema.Struct({
  code: CouponCode,
  valid: Schema.Boolean,
  reason: Schema.optionalKey(Schema.Literals(["NOT_FOUND", "EXPIRED", "MIN_SUBTOTAL", "ALREADY_USED", "DUPLICATE"])),
  coupon: Schema.optionalKey(CouponDefinition),
  /** What the coupon takes off the given subtotal (≤ 0). */
  discount: Schema.optionalKey(Amount)
})
export type CouponValidation = typeof CouponValidation.Type

export const Bundle = Schema.Struct({
  bundle_id: BundleId,
  name: Schema.String,
  product_ids: Schema.Array(ProductId),
  bundle_price: NonNegativeAmount
})
export const ThresholdOffer = Schema.Struct({
  promotion_id: PromotionId,
  benefit: Schema.Literal("FREE_DELIVERY"),
  target_amount: NonNegativeAmount
})

export const CouponValidations = Schema.Struct({ coupons: Schema.Array(CouponValidation) })
export const CouponsUsed = Schema.Struct({ used: Schema.Array(CouponCode) })

const ProductIds = Schema.Struct({ product_ids: Schema.Array(ProductId) })
export const ApplicablePromotions = Schema.Struct({ promotions: Schema.Array(Promotion) })

export const MarketingGroup = HttpApiGroup.make("marketing")
  .add(
    HttpApiEndpoint.post("promotionsApplicable", "/api/promotions/applicable", {
      payload: ProductIds,
      success: ApplicablePromotions
    })
  )
  .add(
    HttpApiEndpoint.post("validateCoupons", "/api/coupons/validate", {
      payload: Schema.Struct({
        codes: Schema.Array(CouponCode),
        customer_id: Schema.optionalKey(CustomerId),
        subtotal: NonNegativeAmount
      }),
      success: CouponValidations
    })
  )
  .add(
    HttpApiEndpoint.post("markCouponsUsed", "/api/coupons/used", {
      payload: Schema.Struct({
        idempotency_key: Schema.String,
        codes: Schema.Array(CouponCode),
        customer_id: Schema.optionalKey(CustomerId),
        order_id: OrderId
      }),
      success: CouponsUsed,
      error: ResourceConflict
    })
  )
  .add(
    HttpApiEndpoint.post("bundlesApplicable", "/api/bundles/applicable", {
      payload: ProductIds,
      success: Schema.Struct({ bundles: Schema.Array(Bundle) })
    })
  )
  .add(
    HttpApiEndpoint.post("thresholdOffers", "/api/promotions/threshold-offers", {
      payload: Schema.Struct({ current_amount: NonNegativeAmount }),
      success: Schema.Struct({ offers: Schema.Array(ThresholdOffer) })
    })
  )

export const MarketingApi = HttpApi.make("marketing").add(MarketingGroup)

export class MarketingService extends Context.Service<MarketingService, Client<typeof MarketingGroup>>()(
  "orchestra/MarketingService"
) {
  static readonly layer = liveLayer(MarketingService, MarketingApi, "marketing")
}
