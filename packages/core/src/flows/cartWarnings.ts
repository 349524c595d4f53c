import type { Cart } from "../domain/Cart.ts"
import type { Availability } from "../services/Inventory.ts"
import type { CouponValidation } from "../services/Marketing.ts"
import type { Product } from "../services/Product.ts"
import type { StoreStatus } from "../services/SellerAdmin.ts"
import type { Warning } from "./responses.ts"

/** At or below this many left, a line gets LOW_STOCK: the customer may lose it at checkout. */
export const LOW_STOCK_THRESHOLD = 3

/**
 * What GET /cart tells the customer about their cart now (DESIGN §4): prices that moved since
 * the cart was last computed, stock, products and stores that went away, coupons dropped.
 */
export const cartWarnings = (input: {
  readonly before: Cart
  readonly after: Cart
  readonly products: ReadonlyArray<Product> | undefined
  readonly availability: ReadonlyArray<Availability> | undefined
  readonly stores: ReadonlyArray<StoreStatus> | undefined
  readonly coupons: ReadonlyArray<CouponValidation> | undefined
}): ReadonlyArray<Warning> => {
  const warnings: Array<Warning> = []
  const previous = new Map(input.before.items.map((i) => [i.item_id as string, i.unit_price]))
  for (const line of input.after.items) {
    const was = previous.get(line.item_id)
    if (was !== undefined && line.unit_price !== undefined && was !== line.unit_price) {
      warnings.push({ code: "PRICE_CHANGED", message: `The price of ${line.name ?? line.product_id} changed since it was added` })
    }
  }
  if (input.products !== undefined) {
    const byId = new Map(input.products.map((p) => [p.product_id as string, p]))
    for (const line of input.before.items) {
      const product = byId.get(line.product_id)
      if (product === undefined || product.status !== "ACTIVE") {
        warnings.push({ code: "PRODUCT_UNAVAILABLE", message: `${line.name ?? line.product_id} is no longer sold` })
      }
    }
  }
  for (const stock of input.availability ?? []) {
    if (!stock.available) {
      warnings.push({
        code: "OUT_OF_STOCK",
        message: `Only ${stock.quantity_available} of ${stock.product_id} left, ${stock.requested} in the cart`
      })
    } else if (stock.quantity_available <= LOW_STOCK_THRESHOLD) {
      warnings.push({ code: "LOW_STOCK", message: `Only ${stock.quantity_available} of ${stock.product_id} left` })
    }
  }
  for (const store of input.stores ?? []) {
    if (!store.active || !store.online) {
      warnings.push({ code: "STORE_OFFLINE", message: `${store.name} is not taking orders now` })
    }
  }
  for (const coupon of input.coupons ?? []) {
    if (!coupon.valid) {
      warnings.push({ code: "COUPON_REMOVED", message: `Coupon ${coupon.code} no longer applies (${coupon.reason ?? "invalid"})` })
    }
  }
  return warnings
}
