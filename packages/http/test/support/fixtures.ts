import type { CartType } from "@orchestra/core/domain/Owner"
import {
  DeleteCartResponse,
  GetCachedCartResponse,
  GetCartResponse,
  ItemsResponse,
  UpdateOptionsResponse
} from "@orchestra/core/flows/responses"
import { Schema } from "effect"

type Fixture<A> = { readonly wire: unknown; readonly value: A }
const fixture = <S extends Schema.Decoder<unknown>>(schema: S, wire: unknown): Fixture<S["Type"]> => ({
  wire,
  value: Schema.decodeUnknownSync(schema)(wire)
})

// Written as the wire shows them and decoded, so every fixture is a valid response by construction;
// `wire` is what the HTTP answer must equal, `value` what a flow returns.
const cart = (cartType: CartType) => ({
  cart_id: `cart-${cartType.toLowerCase()}`,
  domain_id: "dom-1",
  customer_id: "cust-1",
  cart_type: cartType,
  currency: "INR",
  version: 3,
  items: [{ item_id: "item-1", product_id: "prod-1", addons: [], quantity: 2, unit_price: 100, line_total: 200 }],
  coupons_applied: [],
  promotions_applied: [],
  totals: { subtotal: 200, discount: 0, tax: 10, tax_included: 0, delivery_charge: 0, tips: 0, gift_wrap: 0, net_payable: 210 },
  computed: true,
  updated_at: "2025-11-10T10:00:00.000Z"
})

export const itemsResponse = (cartType: CartType) =>
  fixture(ItemsResponse, {
    success: true,
    cart_type: cartType,
    operations_applied: 1,
    results: [{ index: 0, operation: "ADD", status: "SUCCESS", action_taken: "ADDED", item_id: "item-1" }],
    cart: cart(cartType),
    coupon_applied: [],
    warnings: []
  })

export const updateOptionsResponse = (cartType: CartType) =>
  fixture(UpdateOptionsResponse, {
    success: true,
    cart_type: cartType,
    cart: cart(cartType),
    validations: { tips: { status: "VALID" } },
    warnings: []
  })

export const getCartResponse = (cartType: CartType) =>
  fixture(GetCartResponse, {
    success: true,
    cart_type: cartType,
    cart: cart(cartType),
    inventory_status: [{ product_id: "prod-1", available: true, quantity_available: 10 }],
    warnings: [],
    stale: false
  })

export const getCachedResponse = (cartType: CartType) =>
  fixture(GetCachedCartResponse, {
    success: true,
    cart_type: cartType,
    from_cache: true,
    cache_age_seconds: 12,
    cart: cart(cartType)
  })

export const deleteCartResponse = (cartType: CartType) =>
  fixture(DeleteCartResponse, {
    success: true,
    message: "Cart deleted successfully",
    cart_id: `cart-${cartType.toLowerCase()}`,
    cart_type: cartType,
    warnings: []
  })
