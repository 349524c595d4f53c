import type { AddonLine, LineItem } from "./Cart.ts"
import { type Minor, minor, sum } from "./Money.ts"
import type { Product } from "../services/Product.ts"

type AddonLineItem = typeof AddonLine.Type

export interface PricedLine {
  readonly product: Product
  readonly lineTotal: Minor
}

const unitPriceOf = (item: LineItem, product: Product): Minor | undefined => {
  if (item.variant_id !== undefined) return product.variants?.find((v) => v.variant_id === item.variant_id)?.price
  return product.price
}

/** The line as the cart service stores it: identity and quantity only, never a stale or client price. */
export const bareLine = (item: LineItem): LineItem => ({
  item_id: item.item_id,
  product_id: item.product_id,
  ...(item.variant_id === undefined ? {} : { variant_id: item.variant_id }),
  addons: item.addons.map((a) => ({ addon_id: a.addon_id })),
  quantity: item.quantity
})

/** What a cart's lines add up to at current prices; unpriceable lines count nothing. */
export const subtotalOf = (items: ReadonlyArray<LineItem>, productOf: (productId: string) => Product | undefined): Minor =>
  sum(items.map((item) => priceLine(item, productOf(item.product_id))?.priced.lineTotal ?? 0))

/**
 * A line is priced only when every part of its price is known now: a missing product, variant or
 * addon leaves it unpriced rather than priced from a guess.
 */
export const priceLine = (item: LineItem, product: Product | undefined): { line: LineItem; priced: PricedLine } | undefined => {
  if (product === undefined) return undefined
  const unit = unitPriceOf(item, product)
  if (unit === undefined) return undefined
  const addons: Array<AddonLineItem> = []
  for (const ref of item.addons) {
    const addon = product.addons?.find((a) => a.addon_id === ref.addon_id)
    if (addon === undefined) return undefined
    addons.push({ addon_id: addon.addon_id, name: addon.name, price: addon.price })
  }
  const each = unit + sum(addons.map((a) => a.price ?? 0))
  const lineTotal = minor(each * item.quantity)
  return {
    line: { ...bareLine(item), addons, name: product.name, store_id: product.store_id, unit_price: unit, line_total: lineTotal },
    priced: { product, lineTotal }
  }
}

