import { Effect } from "effect"
import type { StoreId } from "@orchestra/core/domain/Ids"
import { sum } from "@orchestra/core/domain/Money"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { ShippingGroup } from "@orchestra/core/services/Shipping"
import type { Catalog } from "../catalog/Catalog.ts"

export interface ShippingSimulator {
  readonly operations: Operations<typeof ShippingGroup>
}

export const makeShippingSimulator = (catalog: Catalog): Effect.Effect<ShippingSimulator> =>
  Effect.sync(() => {
    const options = new Map<string, Catalog["delivery_options"][number]>(
      catalog.delivery_options.map((d) => [d.delivery_option_id, d])
    )
    const addresses = new Map<string, Catalog["customers"][number]["addresses"][number]>(
      catalog.customers.flatMap((c) => c.addresses.map((a) => [a.address_id, a]))
    )

    return {
      operations: {
        calculateRate: ({ payload }) =>
          Effect.gen(function* () {
            const option = options.get(payload.delivery_option_id)
            // A retired option cannot be rated any more than an unknown one.
            if (option === undefined || !option.active) {
              return yield* new ResourceNotFound({ message: `delivery option ${payload.delivery_option_id} not found` })
            }
            if (payload.address_id !== undefined) {
              const address = addresses.get(payload.address_id)
              if (address === undefined) {
                return yield* new ResourceNotFound({ message: `address ${payload.address_id} not found` })
              }
              if (!address.serviceable) {
                return yield* new ResourceConflict({
                  reason: "NOT_SERVICEABLE",
                  message: `${option.name} does not deliver to ${address.city} (${address.pincode})`
                })
              }
            }
            const storeIds: ReadonlyArray<StoreId> = [...new Set(payload.store_ids)]
            const charges = storeIds.map((store_id) => ({ store_id, charge: option.charge_per_store }))
            return {
              delivery_option_id: option.delivery_option_id,
              charges,
              total: sum(charges.map((c) => c.charge))
            }
          })
      }
    }
  })
