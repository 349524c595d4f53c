import { Effect } from "effect"
import type { Address, CustomerGroup } from "@orchestra/core/services/Customer"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { Catalog } from "../catalog/Catalog.ts"

export interface CustomerSimulator {
  readonly operations: Operations<typeof CustomerGroup>
}

export const makeCustomerSimulator = (catalog: Catalog): Effect.Effect<CustomerSimulator> =>
  Effect.sync(() => {
    const addresses = new Map<string, Address>(
      catalog.customers.flatMap((c) =>
        c.addresses.map((a) => [a.address_id, { ...a, customer_id: c.customer_id }] satisfies [string, Address])
      )
    )
    return {
      operations: {
        address: ({ params }) =>
          Effect.suspend(() => {
            const address = addresses.get(params.address_id)
            return address === undefined
              ? Effect.fail(new ResourceNotFound({ message: `address ${params.address_id} not found` }))
              : Effect.succeed(address)
          })
      }
    }
  })
