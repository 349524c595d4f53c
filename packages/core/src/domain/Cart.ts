import { Schema } from "effect"
import { Address } from "../services/Customer.ts"
import { AddressSelection, CartOptionsFields } from "./CartOptions.ts"
import { AddonId, CartId, CouponCode, GiftWrapId, ItemId, ProductId, PromotionId, StoreId, VariantId } from "./Ids.ts"
import { Amount, Currency, minor, NonNegativeAmount } from "./Money.ts"
import { ActionTaken, OperationErrorCode } from "./Operation.ts"
import { CartType, OwnerRef } from "./Owner.ts"

export const AddonLine = Schema.Struct({
  addon_id: AddonId,
  name: Schema.optionalKey(Schema.String),
  price: Schema.optionalKey(NonNegativeAmount)
})

/**
 * A cart line. The cart service keeps identity and quantity; names, store and prices are filled
 * in when the cart is computed from current product data (client-sent prices are never used).
 */
export const LineItem = Schema.Struct({
  item_id: ItemId,
  product_id: ProductId,
  variant_id: Schema.optionalKey(VariantId),
  addons: Schema.Array(AddonLine),
  quantity: Schema.Int,
  name: Schema.optionalKey(Schema.String),
  store_id: Schema.optionalKey(StoreId),
  unit_price: Schema.optionalKey(NonNegativeAmount),
  line_total: Schema.optionalKey(NonNegativeAmount)
})
export type LineItem = typeof LineItem.Type

export const Totals = Schema.Struct({
  subtotal: Amount,
  /** Zero or negative: the sum of promotions and coupons, never more than the subtotal. */
  discount: Amount,
  tax: Amount,
  /** Tax contained in tax-inclusive prices; informational, not added to `net_payable`. */
  tax_included: Amount,
  delivery_charge: Amount,
  tips: Amount,
  gift_wrap: Amount,
  net_payable: Amount
})
export type Totals = typeof Totals.Type

/** The chosen gift wrap with the price the seller quoted when it was chosen. */
export const GiftWrap = Schema.Struct({
  id: GiftWrapId,
  message: Schema.optionalKey(Schema.String),
  price: NonNegativeAmount
})

/**
 * The chosen addresses: the ids as the client sent them, and beside them (the seed's cart shape)
 * `shipping` / `billing` as the customer service returned them when they were checked. A billing
 * address "same as shipping" is the shipping address.
 */
export const CartAddress = Schema.Struct({
  ...AddressSelection.fields,
  shipping: Schema.optionalKey(Address),
  billing: Schema.optionalKey(Address)
})
export type CartAddress = typeof CartAddress.Type

/** The totals of a cart with nothing to pay for. */
export const zeroTotals: Totals = {
  subtotal: minor(0),
  discount: minor(0),
  tax: minor(0),
  tax_included: minor(0),
  delivery_charge: minor(0),
  tips: minor(0),
  gift_wrap: minor(0),
  net_payable: minor(0)
}

export const CouponApplied = Schema.Struct({ code: CouponCode, discount: Amount })
export const PromotionApplied = Schema.Struct({ promotion_id: PromotionId, title: Schema.String, discount: Amount })

export const Cart = Schema.Struct({
  cart_id: CartId,
  ...OwnerRef.fields,
  cart_type: CartType,
  currency: Currency,
  /** Increases with every change; cache writes and checkout compare it. */
  version: Schema.Int,
  items: Schema.Array(LineItem),
  ...CartOptionsFields,
  address: Schema.optionalKey(CartAddress),
  gift_wrap: Schema.optionalKey(GiftWrap),
  coupons_applied: Schema.Array(CouponApplied),
  promotions_applied: Schema.Array(PromotionApplied),
  totals: Totals,
  /** False until the cart has been computed at its current version. */
  computed: Schema.Boolean.annotate({
    description:
      "True when `totals`, `coupons_applied`, `promotions_applied` and the lines' prices were computed at this version of the cart. " +
      "False after a change that was not priced (`POST /cart/items?compute=false`): `totals` and the applied discounts are then the " +
      "last computation's (zero for a cart never computed); each line keeps the prices it was last priced at, with `line_total` for its " +
      "current quantity, and a line never priced has no prices. The next full `GET /cart`, `PUT /cart` or place-order prices the cart."
  }),
  computed_version: Schema.optionalKey(
    Schema.Int.annotate({ description: "The version the figures were computed at; below `version` when `computed` is false." })
  ),
  updated_at: Schema.String
})
export type Cart = typeof Cart.Type

/** Computed at an earlier version, or never: its figures are not the cart's as it is now. */
export const isStale = (cart: Cart) => !cart.computed || cart.computed_version !== cart.version

export const OperationResult = Schema.Struct({
  index: Schema.Int,
  operation: Schema.Literals(["SET", "ADD", "UPDATE", "DELETE"]),
  status: Schema.Literals(["SUCCESS", "FAILED"]),
  action_taken: Schema.optionalKey(ActionTaken),
  item: Schema.optionalKey(LineItem),
  item_id: Schema.optionalKey(ItemId),
  error: Schema.optionalKey(Schema.String),
  code: Schema.optionalKey(OperationErrorCode),
  quantity_available: Schema.optionalKey(Schema.Int)
})
export type OperationResult = typeof OperationResult.Type
