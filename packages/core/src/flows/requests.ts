import { Schema } from "effect"
import { CartOptionsFields } from "../domain/CartOptions.ts"
import { Operations } from "../domain/Operation.ts"

/** `POST /cart/items` and `POST /buy-now`. Decoded strictly: unknown fields are rejected. */
export const ItemsRequest = Schema.Struct({ operations: Operations })
export type ItemsRequest = typeof ItemsRequest.Type

/** `PUT /cart`: any subset of the options; each field sent is validated and answered. */
export const UpdateOptionsRequest = Schema.Struct(CartOptionsFields)
export type UpdateOptionsRequest = typeof UpdateOptionsRequest.Type
