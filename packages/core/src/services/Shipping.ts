import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { AddressId, DeliveryOptionId, StoreId } from "../domain/Ids.ts"
import { NonNegativeAmount } from "../domain/Money.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"

export const StoreCharge = Schema.Struct({ store_id: StoreId, charge: NonNegativeAmount })

export const ShippingRate = Schema.Struct({
  delivery_option_id: DeliveryOptionId,
  charges: Schema.Array(StoreCharge),
  total: NonNegativeAmount
})
export type ShippingRate = typeof ShippingRate.Type

export const ShippingGroup = HttpApiGroup.make("shipping").add(
  HttpApiEndpoint.post("calculateRate", "/api/shipping/calculate-rate", {
    payload: Schema.Struct({
      delivery_option_id: DeliveryOptionId,
      store_ids: Schema.Array(StoreId),
      address_id: Schema.optionalKey(AddressId)
    }),
    success: ShippingRate,
    error: [ResourceNotFound, ResourceConflict]
  })
)

export const ShippingApi = HttpApi.make("shipping").add(ShippingGroup)

export class ShippingService extends Context.Service<ShippingService, Client<typeof ShippingGroup>>()(
  "orchestra/ShippingService"
) {
  static readonly layer = liveLayer(ShippingService, ShippingApi, "shipping")
}
