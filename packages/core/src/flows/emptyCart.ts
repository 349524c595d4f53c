import { zeroTotals } from "../domain/Cart.ts"
import type { Currency } from "../domain/Money.ts"
import type { CartType } from "../domain/Owner.ts"
import type { EmptyCart } from "./responses.ts"

/** A GET on an owner without a cart answers this and creates nothing (DESIGN §3). */
export const emptyCart = (cartType: CartType, currency: Currency): EmptyCart => ({
  cart_id: null,
  cart_type: cartType,
  currency,
  items: [],
  coupons_applied: [],
  totals: zeroTotals
})
