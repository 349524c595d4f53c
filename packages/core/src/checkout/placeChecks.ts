import type { Cart } from "../domain/Cart.ts"
import { bareLine, priceLine } from "../domain/LinePrice.ts"
import type { Product } from "../services/Product.ts"

/** Phase 1's pure checks of a cart (DESIGN §6), shared by the saga and the benchmark's baseline. */

/** A stale cart's totals are recomputed before it is placed. */
export { isStale } from "../domain/Cart.ts"

/** A cart is placed only with a fulfilment: an address with a delivery option, or a pickup point. */
export const hasFulfilment = (cart: Cart) =>
  (cart.address?.shipping_address !== undefined && cart.delivery_option !== undefined) || cart.pickup_point !== undefined

/** 2b: the prices the cart was computed with must still be the prices now. */
export const priceChanges = (cart: Cart, products: ReadonlyArray<Product>) => {
  const byId = new Map(products.map((p) => [p.product_id, p]))
  return cart.items.flatMap((line) => {
    const product = byId.get(line.product_id)
    const now = product === undefined ? undefined : priceLine(bareLine(line), product)?.line.unit_price
    return now === line.unit_price ? [] : [{ item_id: line.item_id, product_id: line.product_id, was: line.unit_price, now }]
  })
}
