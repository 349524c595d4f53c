import type { AddonLine, Cart, LineItem } from "./Cart.ts"
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

/**
 * A line's total at the prices it carries: (unit price + its addons' prices) × quantity (DESIGN
 * §10), or nothing while any of those prices is unknown (a line never priced).
 */
export const lineTotalAt = (line: LineItem): Minor | undefined => {
  if (line.unit_price === undefined) return undefined
  let each: number = line.unit_price
  for (const addon of line.addons) {
    if (addon.price === undefined) return undefined
    each += addon.price
  }
  return minor(each * line.quantity)
}

/**
 * The line with a `line_total` that agrees with its quantity: a quantity changed without pricing
 * (a lite add, a batch) must not keep the total of the old quantity, and a line whose prices are
 * unknown shows no total rather than a wrong one.
 */
export const settledLine = (line: LineItem): LineItem => {
  const { line_total: _stale, ...rest } = line
  const total = lineTotalAt(rest)
  return total === undefined ? rest : { ...rest, line_total: total }
}

/** The cart with every line settled: what a write that changed quantities without pricing answers. */
export const settledCart = (cart: Cart): Cart => ({ ...cart, items: cart.items.map(settledLine) })

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
  const line = settledLine({ ...bareLine(item), addons, name: product.name, store_id: product.store_id, unit_price: unit })
  return { line, priced: { product, lineTotal: line.line_total ?? minor(0) } }
}

