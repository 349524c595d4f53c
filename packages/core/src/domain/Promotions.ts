import type { Cart, LineItem, PromotionApplied } from "./Cart.ts"
import { type PricedLine, priceLine } from "./LinePrice.ts"
import { applyPercent, type Minor, minor, sum } from "./Money.ts"
import type { Product } from "../services/Product.ts"
import type { Promotion } from "../services/Marketing.ts"

// `-0` would leak into JSON comparisons and `Object.is` checks downstream.
export const negate = (n: number): Minor => minor(n === 0 ? 0 : -n)

export interface PromotionsApplied {
  readonly applied: ReadonlyArray<typeof PromotionApplied.Type>
  /** The subtotal less the promotions' discounts: what coupons apply to, and are judged on (DESIGN §10). */
  readonly afterPromotions: Minor
}

/**
 * The automatic promotions (DESIGN §10), as one rule for the cart service's pricing and the
 * orchestrator's coupon checks: a COMBO takes `percent` off its target lines when a required
 * product is in the cart. Each discount is capped at what is left of the subtotal, in order, so the
 * recorded discounts always sum to what was taken. A promotion listed twice counts once.
 */
export const applyPromotions = (lines: ReadonlyArray<PricedLine>, promotions: ReadonlyArray<Promotion>): PromotionsApplied => {
  let remaining: number = sum(lines.map((l) => l.lineTotal))
  const seen = new Set<string>()
  const applied: Array<typeof PromotionApplied.Type> = []
  const inCart = new Set<string>(lines.map((l) => l.product.product_id))
  for (const promo of promotions) {
    if (seen.has(promo.promotion_id)) continue
    seen.add(promo.promotion_id)
    if (promo.type !== "COMBO") continue
    if (!promo.requires_product_ids.some((id) => inCart.has(id))) continue
    const targets = lines.filter((l) => promo.target_product_ids.includes(l.product.product_id))
    if (targets.length === 0) continue
    const off = Math.max(0, Math.min(sum(targets.map((l) => applyPercent(l.lineTotal, promo.percent))), remaining))
    remaining -= off
    applied.push({ promotion_id: promo.promotion_id, title: promo.title, discount: negate(off) })
  }
  return { applied, afterPromotions: minor(remaining) }
}

/**
 * What a coupon's `min_subtotal` is judged on, by `PUT /cart`, the full `GET /cart` and the cart
 * service alike: the subtotal after automatic promotions (DESIGN §10: coupons apply to it), at
 * current prices. Unpriceable lines count nothing.
 */
export const couponBaseAt = (
  items: ReadonlyArray<LineItem>,
  productOf: (productId: string) => Product | undefined,
  promotions: ReadonlyArray<Promotion>
): Minor => {
  const lines = items.flatMap((item) => {
    const priced = priceLine(item, productOf(item.product_id))
    return priced === undefined ? [] : [priced.priced]
  })
  return applyPromotions(lines, promotions).afterPromotions
}

/** The same base from a cart's own computation, for a cart computed at its current version. */
export const couponBaseOf = (cart: Cart): Minor =>
  minor(Math.max(0, cart.totals.subtotal + sum(cart.promotions_applied.map((p) => p.discount))))
