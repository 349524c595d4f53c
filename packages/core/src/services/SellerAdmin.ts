import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Slot } from "../domain/CartOptions.ts"
import { DeliveryOptionId, DomainId, GiftWrapId, PickupPointId, StoreId } from "../domain/Ids.ts"
import { NonNegativeAmount, Rate } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceNotFound } from "./DownstreamErrors.ts"

export const StoreStatus = Schema.Struct({
  store_id: StoreId,
  name: Schema.String,
  active: Schema.Boolean,
  online: Schema.Boolean
})
export type StoreStatus = typeof StoreStatus.Type

export const TaxSetting = Schema.Struct({
  store_id: StoreId,
  mode: Schema.Literals(["EXCLUSIVE", "INCLUSIVE"]),
  rate: Rate,
  label: Schema.String
})
export type TaxSetting = typeof TaxSetting.Type

export const DeliveryOption = Schema.Struct({
  delivery_option_id: DeliveryOptionId,
  name: Schema.String,
  charge_per_store: NonNegativeAmount,
  active: Schema.Boolean,
  slots: Schema.Array(Slot)
})
export type DeliveryOption = typeof DeliveryOption.Type

export const PickupPoint = Schema.Struct({ pickup_point_id: PickupPointId, name: Schema.String, active: Schema.Boolean })
export const GiftWrapOption = Schema.Struct({
  id: GiftWrapId,
  name: Schema.String,
  price: NonNegativeAmount,
  active: Schema.Boolean,
  max_message_length: Schema.Int
})
export type GiftWrapOption = typeof GiftWrapOption.Type

const StorePath = { domain_id: DomainId, store_id: StoreId }

export const SellerAdminGroup = HttpApiGroup.make("sellerAdmin")
  .add(
    HttpApiEndpoint.get("storeStatus", "/merchant/api/v1/domains/:domain_id/stores/:store_id", {
      params: StorePath,
      success: StoreStatus,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.get("taxSettings", "/api/v1/domains/:domain_id/stores/:store_id/tax_settings", {
      params: StorePath,
      success: TaxSetting,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.get("deliveryOption", "/api/delivery-options/:id", {
      params: { id: DeliveryOptionId },
      success: DeliveryOption,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.get("pickupPoint", "/api/pickup-points/:id", {
      params: { id: PickupPointId },
      success: PickupPoint,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.get("giftWrapOption", "/api/gift-wrap-options/:id", {
      params: { id: GiftWrapId },
      success: GiftWrapOption,
      error: ResourceNotFound
    })
  )

export const SellerAdminApi = HttpApi.make("sellerAdmin").add(SellerAdminGroup)

export class SellerAdminService extends Context.Service<SellerAdminService, Client<typeof SellerAdminGroup>>()(
  "orchestra/SellerAdminService"
) {
  static readonly layer = liveLayer(SellerAdminService, SellerAdminApi, "sellerAdmin")
}
