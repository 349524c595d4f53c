import type { Cart, Totals } from "../domain/Cart.ts"
import type { StoreId } from "../domain/Ids.ts"
import { allocate, applyBps, minor } from "../domain/Money.ts"
import type { OrderTotals } from "../domain/Order.ts"
import type { TaxSetting } from "../services/SellerAdmin.ts"
import type { StoreCharge } from "../services/Shipping.ts"

export const orderTotalsOf = (totals: Totals): OrderTotals => ({
  subtotal: totals.subtotal,
  discount: totals.discount,
  tax: totals.tax,
  delivery_charge: totals.delivery_charge,
  tips: totals.tips,
  gift_wrap: totals.gift_wrap,
  total: totals.net_payable
})

/** What each store charges on its own: its tax setting, and its delivery charge when there is a delivery. */
export interface StoreCharges {
  readonly taxSettings: ReadonlyArray<TaxSetting>
  readonly deliveryCharges: ReadonlyArray<typeof StoreCharge.Type>
}

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

/**
 * `total` over the stores as `own` says each store's share is — exactly `own` when the two agree
 * (the cart was priced by the same rules), in proportion to it when they do not (another
 * service's rounding), by `fallback` when `own` says nothing. Every column then sums exactly to
 * the master's.
 */
const reconcile = (total: number, own: ReadonlyArray<number>, fallback: ReadonlyArray<number>) =>
  allocate(total, sum(own) > 0 ? own : fallback)

/**
 * One sub-order per store (DESIGN §6 step 5, §10), in the order the cart first names each store.
 * Each store keeps its own lines' subtotal and its pro-rata share of the discount; its tax is its
 * own rate on (its subtotal − its discount share) when EXCLUSIVE, nothing when INCLUSIVE; its
 * delivery charge is the one the shipping service quoted for it. Tips and gift wrap, which belong
 * to no store, are split by subtotal. Every column sums exactly to the master order's.
 */
export const subOrderTotals = (
  cart: Cart,
  charges: StoreCharges
): ReadonlyArray<{ readonly store_id: StoreId; readonly totals: OrderTotals }> => {
  const byStore = new Map<StoreId, number>()
  for (const line of cart.items) {
    if (line.store_id === undefined) continue
    byStore.set(line.store_id, (byStore.get(line.store_id) ?? 0) + (line.line_total ?? 0))
  }
  const stores = [...byStore.keys()]
  const lineTotals = stores.map((s) => byStore.get(s) ?? 0)
  const { totals } = cart
  // Lines priced at 0 or stores whose lines lost their price still get the remainder right: the
  // subtotal column is the cart's own split when line totals do not add up to it.
  const subtotal = sum(lineTotals) === totals.subtotal ? lineTotals.map(minor) : allocate(totals.subtotal, lineTotals)
  const discount = allocate(totals.discount, subtotal)

  const taxSettings = new Map(charges.taxSettings.map((t) => [t.store_id as string, t]))
  const ownTax = stores.map((store, i) => {
    const setting = taxSettings.get(store)
    return setting?.mode === "EXCLUSIVE" ? applyBps(subtotal[i]! + discount[i]!, setting.rate) : 0
  })
  const tax = reconcile(totals.tax, ownTax, subtotal)

  const deliveryQuotes = new Map(charges.deliveryCharges.map((c) => [c.store_id as string, c.charge as number]))
  const delivery = reconcile(
    totals.delivery_charge,
    stores.map((store) => deliveryQuotes.get(store) ?? 0),
    stores.map(() => 1)
  )
  const tips = allocate(totals.tips, subtotal)
  const giftWrap = allocate(totals.gift_wrap, subtotal)

  return stores.map((store_id, i) => {
    const parts = {
      subtotal: subtotal[i]!,
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
