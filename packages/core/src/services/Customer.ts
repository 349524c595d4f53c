import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { AddressId, CustomerId } from "../domain/Ids.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceNotFound } from "./DownstreamErrors.ts"

export const Address = Schema.Struct({
  address_id: AddressId,
  /** The owner: the orchestrator refuses an address of another customer. */
  customer_id: CustomerId,
  city: Schema.String,
  pincode: Schema.String,
  serviceable: Schema.Boolean
})
export type Address = typeof Address.Type

export const CustomerGroup = HttpApiGroup.make("customer").add(
  HttpApiEndpoint.get("address", "/api/addresses/:address_id", {
    params: { address_id: AddressId },
    success: Address,
    error: ResourceNotFound
  })
)

export const CustomerApi = HttpApi.make("customer").add(CustomerGroup)

export class CustomerService extends Context.Service<CustomerService, Client<typeof CustomerGroup>>()(
  "orchestra/CustomerService"
) {
  static readonly layer = liveLayer(CustomerService, CustomerApi, "customer")
}
