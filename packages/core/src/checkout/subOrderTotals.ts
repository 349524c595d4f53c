import type { Cart, Totals } from "../domain/Cart.ts"
import type { StoreId } from "../domain/Ids.ts"
import { allocate, minor } from "../domain/Money.ts"
import type { OrderTotals } from "../domain/Order.ts"

export const orderTotalsOf = (totals: Totals): OrderTotals => ({
  subtotal: totals.subtotal,
  discount: totals.discount,
  tax: totals.tax,
  delivery_charge: totals.delivery_charge,
  tips: totals.tips,
  gift_wrap: totals.gift_wrap,
  total: totals.net_payable
})

/**
 * One sub-order per store. Each store keeps its own lines' subtotal; the cart-level amounts
 * (discount, tax, delivery, tips, gift wrap) are split over the stores by their subtotals with the
 * largest-remainder method, so every column — and so every total — sums exactly to the master's.
 */
export const subOrderTotals = (cart: Cart): ReadonlyArray<{ readonly store_id: StoreId; readonly totals: OrderTotals }> => {
  const byStore = new Map<StoreId, number>()
  for (const line of cart.items) {
    if (line.store_id === undefined) continue
    byStore.set(line.store_id, (byStore.get(line.store_id) ?? 0) + (line.line_total ?? 0))
  }
  const stores = [...byStore.keys()]
  const weights = stores.map((s) => byStore.get(s) ?? 0)
  const split = (amount: number) => allocate(amount, weights)
  const discount = split(cart.totals.discount)
  const tax = split(cart.totals.tax)
  const delivery = split(cart.totals.delivery_charge)
  const tips = split(cart.totals.tips)
  const giftWrap = split(cart.totals.gift_wrap)
  // Lines priced at 0 or stores whose lines lost their price still get the remainder right: the
  // subtotal column is the cart's own split when line totals do not add up to it.
  const subtotal = weights.reduce((a, b) => a + b, 0) === cart.totals.subtotal ? weights : split(cart.totals.subtotal)
  return stores.map((store_id, i) => {
    const parts = {
      subtotal: minor(subtotal[i]!),
      discount: discount[i]!,
      tax: tax[i]!,
      delivery_charge: delivery[i]!,
      tips: tips[i]!,
      gift_wrap: giftWrap[i]!
    }
    const total = minor(parts.subtotal + parts.discount + parts.tax + parts.delivery_charge + parts.tips + parts.gift_wrap)
    return { store_id, totals: { ...parts, total } }
  })
}
