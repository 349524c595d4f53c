import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Cart, GiftWrap, OperationResult } from "../domain/Cart.ts"
import { CartOptionsFields } from "../domain/CartOptions.ts"
import { CartId } from "../domain/Ids.ts"
import { Currency } from "../domain/Money.ts"
import { AddOperation, DeleteOperation, SetOperation, UpdateOperation } from "../domain/Operation.ts"
import { CartType, OwnerRef } from "../domain/Owner.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceNotFound } from "./DownstreamErrors.ts"
import { CouponDefinition, Promotion } from "./Marketing.ts"
import { Product } from "./Product.ts"
import { TaxSetting } from "./SellerAdmin.ts"
import { StoreCharge } from "./Shipping.ts"

const CartKey = Schema.Struct({ ...OwnerRef.fields, cart_type: CartType })

const Indexed = { index: Schema.Int }
/** An operation with its position in the public request, so results come back in request order. */
export const BatchOperation = Schema.Union([
  Schema.Struct({ ...SetOperation.fields, ...Indexed }),
  Schema.Struct({ ...AddOperation.fields, ...Indexed }),
  Schema.Struct({ ...UpdateOperation.fields, ...Indexed }),
  Schema.Struct({ ...DeleteOperation.fields, ...Indexed })
]).pipe(Schema.toTaggedUnion("op"))
export type BatchOperation = typeof BatchOperation.Type

/**
 * What the orchestrator's steps learnt for pricing a cart. A field left out keeps what the cart
 * service used at the cart's last computation: a flow sends only what it re-read (the PUT flow
 * re-reads promotions and delivery, not products), and a degraded optional step simply
 * contributes nothing new.
 */
export const ComputeInput = Schema.Struct({
  products: Schema.optionalKey(Schema.Array(Product)),
  promotions: Schema.optionalKey(Schema.Array(Promotion)),
  coupons: Schema.optionalKey(Schema.Array(CouponDefinition)),
  tax_settings: Schema.optionalKey(Schema.Array(TaxSetting)),
  delivery_charges: Schema.optionalKey(Schema.Array(StoreCharge))
})
export type ComputeInput = typeof ComputeInput.Type

/** Options as stored: what the client chose plus what the orchestrator resolved (wrap price). */
export const StoredOptions = Schema.Struct({ ...CartOptionsFields, gift_wrap: Schema.optionalKey(GiftWrap) })
export type StoredOptions = typeof StoredOptions.Type

export const CartRemoved = Schema.Struct({ cart_id: CartId, deleted: Schema.Boolean })

export const CartGroup = HttpApiGroup.make("cart")
  .add(
    HttpApiEndpoint.post("findOrCreate", "/api/carts/find-or-create", {
      payload: Schema.Struct({ ...CartKey.fields, currency: Currency }),
      success: Cart
    })
  )
  // Not in the seed: the public API never knows a cart id, so "get existing cart" is a lookup by
  // owner and type that, unlike find-or-create, never creates (a GET must not create a cart).
  .add(HttpApiEndpoint.post("find", "/api/carts/find", { payload: CartKey, success: Cart, error: ResourceNotFound }))
  .add(
    HttpApiEndpoint.post("applyBatch", "/api/carts/:cart_id/items/batch", {
      params: { cart_id: CartId },
      payload: Schema.Struct({
        operations: Schema.Array(BatchOperation),
        /** Buy-now: the cart's lines are replaced by the result of these operations. */
        replace: Schema.optionalKey(Schema.Boolean)
      }),
      success: Schema.Struct({ results: Schema.Array(OperationResult), cart: Cart }),
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.post("compute", "/api/carts/:cart_id/compute", {
      params: { cart_id: CartId },
      payload: ComputeInput,
      success: Cart,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.put("updateOptions", "/api/carts/:cart_id/options", {
      params: { cart_id: CartId },
      payload: Schema.Struct({ options: StoredOptions }),
      success: Cart,
      error: ResourceNotFound
    })
  )
  .add(
    HttpApiEndpoint.delete("remove", "/api/carts/:cart_id", {
      params: { cart_id: CartId },
      success: CartRemoved,
      error: ResourceNotFound
    })
  )

export const CartApi = HttpApi.make("cart").add(CartGroup)

export class CartService extends Context.Service<CartService, Client<typeof CartGroup>>()("orchestra/CartService") {
  static readonly layer = liveLayer(CartService, CartApi, "cart")
}
