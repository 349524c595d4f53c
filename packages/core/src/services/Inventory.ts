import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { CartId, OrderId, ProductId, ReservationId, VariantId } from "../domain/Ids.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"

export const StockLine = Schema.Struct({
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  quantity: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
})
export type StockLine = typeof StockLine.Type

export const Availability = Schema.Struct({
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  requested: Schema.Int,
  /** Stock not held by anyone else's reservation. */
  quantity_available: Schema.Int,
  available: Schema.Boolean
})
export type Availability = typeof Availability.Type

export const AvailabilityReport = Schema.Struct({ items: Schema.Array(Availability) })
export const Reservation = Schema.Struct({ reservation_id: ReservationId, expires_at: Schema.String })
export const Released = Schema.Struct({ released: Schema.Int })
export const Deduction = Schema.Struct({ reservation_id: ReservationId, deducted: Schema.Boolean })

export const InventoryGroup = HttpApiGroup.make("inventory")
  .add(
    HttpApiEndpoint.post("checkAvailability", "/api/inventory/check-availability", {
      payload: Schema.Struct({ items: Schema.Array(StockLine), strict: Schema.optionalKey(Schema.Boolean) }),
      success: AvailabilityReport
    })
  )
  .add(
    HttpApiEndpoint.post("reserve", "/api/inventory/reserve", {
      payload: Schema.Struct({
        idempotency_key: Schema.String,
        cart_id: CartId,
        order_id: Schema.optionalKey(OrderId),
        items: Schema.Array(StockLine),
        ttl_seconds: Schema.Int
      }),
      success: Reservation,
      error: ResourceConflict
    })
  )
  .add(
    HttpApiEndpoint.post("releaseReservations", "/api/inventory/release-reservations", {
      payload: Schema.Struct({
        cart_id: Schema.optionalKey(CartId),
        reservation_id: Schema.optionalKey(ReservationId)
      }),
      success: Released
    })
  )
  .add(
    HttpApiEndpoint.post("deduct", "/api/inventory/deduct", {
      payload: Schema.Struct({ idempotency_key: Schema.String, reservation_id: ReservationId }),
      success: Deduction,
      error: [ResourceNotFound, ResourceConflict]
    })
  )

export const InventoryApi = HttpApi.make("inventory").add(InventoryGroup)

export class InventoryService extends Context.Service<InventoryService, Client<typeof InventoryGroup>>()(
  "orchestra/InventoryService"
) {
  static readonly layer = liveLayer(InventoryService, InventoryApi, "inventory")
}
