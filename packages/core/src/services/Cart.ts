import { Context, Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { Cart, CartAddress, GiftWrap, OperationResult } from "../domain/Cart.ts"
import { CartOptionsFields, CouponRef } from "../domain/CartOptions.ts"
import { CartId, ItemId } from "../domain/Ids.ts"
import { Currency } from "../domain/Money.ts"
import { AddOperation, DeleteOperation, SetOperation, UpdateOperation } from "../domain/Operation.ts"
import { CartType, OwnerRef } from "../domain/Owner.ts"
import { type Client, liveLayer } from "./Downstream.ts"
import { ResourceConflict, ResourceNotFound } from "./DownstreamErrors.ts"
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

/**
 * What a cart-service write may carry besides its change (issue 14), each field optional so that a
 * caller without a lock or a client key writes as before:
 * - `idempotency_key`: derived from the client's `Idempotency-Key`, owner-scoped. A write already
 *   applied under this key is not applied again: the service answers what it answered then (with
 *   the cart as it is now), so a retry after any failure is safe.
 * - `fence`: the cart lock's fencing token, which grows with every grant of the lock. The service
 *   remembers the largest token it accepted for the cart and refuses an older one with 409
 *   `STALE_FENCE`: a holder that paused past its lease cannot overwrite its successor's work.
 */
export const WriteGuard = Schema.Struct({
  idempotency_key: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(1), Schema.isMaxLength(128)))),
  fence: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))))
})
export type WriteGuard = typeof WriteGuard.Type

/** The reasons of the cart service's 409s. */
export const CartConflict = {
  /** The write's fencing token is older than one the cart already accepted. */
  staleFence: "STALE_FENCE",
  /** A compute was asked for a version the cart is no longer at. */
  versionChanged: "VERSION_CHANGED"
} as const

/** One line of a placed order, as phase 2 takes it out of the cart: by item id, the quantity ordered. */
export const OrderedLine = Schema.Struct({
  item_id: ItemId,
  quantity: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
})
export type OrderedLine = typeof OrderedLine.Type

/** Options as stored: what the client chose plus what the orchestrator resolved (wrap price, the addresses themselves). */
export const StoredOptions = Schema.Struct({
  ...CartOptionsFields,
  address: Schema.optionalKey(CartAddress),
  gift_wrap: Schema.optionalKey(GiftWrap)
})
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
        replace: Schema.optionalKey(Schema.Boolean),
        ...WriteGuard.fields
      }),
      success: Schema.Struct({ results: Schema.Array(OperationResult), cart: Cart }),
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  .add(
    HttpApiEndpoint.post("compute", "/api/carts/:cart_id/compute", {
      params: { cart_id: CartId },
      payload: Schema.Struct({
        ...ComputeInput.fields,
        /**
         * The cart version the inputs were gathered for: at any other version the service refuses
         * with 409 `VERSION_CHANGED` and computes nothing, so totals priced from an older cart never
         * land on a newer one. Left out, the cart is computed at whatever version it is.
         */
        version: Schema.optionalKey(Schema.Int),
        fence: WriteGuard.fields.fence
      }),
      success: Cart,
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  .add(
    HttpApiEndpoint.put("updateOptions", "/api/carts/:cart_id/options", {
      params: { cart_id: CartId },
      payload: Schema.Struct({ options: StoredOptions, ...WriteGuard.fields }),
      success: Cart,
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  .add(
    HttpApiEndpoint.delete("remove", "/api/carts/:cart_id", {
      params: { cart_id: CartId },
      payload: WriteGuard,
      success: CartRemoved,
      error: [ResourceNotFound, ResourceConflict]
    })
  )
  // Not in the seed: phase 2 of a checkout takes the ordered lines out of the cart instead of
  // deleting it, so what the customer added while paying stays (issue 14). Each line loses the
  // quantity ordered; a line whose quantity drops to 0 or below is removed; a line no longer in
  // the cart is skipped. A cart left without lines is deleted, as DESIGN §6 step 10 deletes it.
  .add(
    HttpApiEndpoint.post("removeLines", "/api/carts/:cart_id/lines/remove", {
      params: { cart_id: CartId },
      payload: Schema.Struct({ lines: Schema.Array(OrderedLine), ...WriteGuard.fields }),
      success: Schema.Struct({
        /** The cart after the removal; absent when nothing was left and the cart was deleted. */
        cart: Schema.optionalKey(Cart),
        /** The item ids whose whole line went. */
        removed: Schema.Array(ItemId),
        /** The item ids that kept a quantity (it grew while the order was placed). */
        reduced: Schema.Array(ItemId)
      }),
      error: [ResourceNotFound, ResourceConflict]
    })
  )

  // Not in the seed: a guest's cart merged into the customer's on sign-in (issue 15), in one write
  // so that it is atomic — the lines added, the coupons kept and the guest cart deleted together,
  // or nothing — and keyed, so a retry whose first reply was lost cannot merge twice. The
  // orchestrator decides what fits (the operations are ADDs it checked against the limits) and
  // which coupons still validate; the service applies them. The fence is the target cart's lock,
  // `source_fence` the guest cart's: both are held while the merge is sent.
  .add(
    HttpApiEndpoint.post("merge", "/api/carts/:cart_id/merge", {
      params: { cart_id: CartId },
      payload: Schema.Struct({
        source_cart_id: CartId,
        operations: Schema.Array(Schema.Struct({ ...AddOperation.fields, ...Indexed })),
        coupons: Schema.Array(CouponRef),
        source_fence: WriteGuard.fields.fence,
        ...WriteGuard.fields
      }),
      success: Schema.Struct({
        /** One per operation, in their order; a replay answers the first merge's results. */
        results: Schema.Array(OperationResult),
        /** The target cart as it is now. */
        cart: Cart,
        /** The guest cart, deleted by the merge. */
        source_cart_id: CartId
      }),
      error: [ResourceNotFound, ResourceConflict]
    })
  )

export const CartApi = HttpApi.make("cart").add(CartGroup)

export class CartService extends Context.Service<CartService, Client<typeof CartGroup>>()("orchestra/CartService") {
  static readonly layer = liveLayer(CartService, CartApi, "cart")
}
