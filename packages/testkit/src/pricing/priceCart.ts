import type { CouponApplied, LineItem, PromotionApplied, Totals } from "@orchestra/core/domain/Cart"
import { allocate, applyBps, applyPercent, includedTax, minor, sum } from "@orchestra/core/domain/Money"
import type { ComputeInput } from "@orchestra/core/services/Cart"
import { bareLine, type PricedLine, priceLine } from "@orchestra/core/domain/LinePrice"
import { applyPromotions, negate } from "@orchestra/core/domain/Promotions"

export interface PriceCartInput {
  readonly items: ReadonlyArray<LineItem>
  /** Every pricing input; the cart simulator fills what a compute left out from the last one. */
  readonly compute: Required<ComputeInput>
  /** Minor units; 0 when none. */
  readonly tips: number
  /** Minor units; 0 when none. */
  readonly giftWrap: number
  /** The cart's chosen delivery option: without one there is nothing to deliver, hence no charge. */
  readonly deliveryOptionId: string | undefined
  /** YYYY-MM-DD; a coupon is still valid on its `valid_until` day. */
  readonly today: string
}

export interface PricedCart {
  readonly items: ReadonlyArray<LineItem>
  readonly totals: Totals
  readonly coupons_applied: ReadonlyArray<typeof CouponApplied.Type>
  readonly promotions_applied: ReadonlyArray<typeof PromotionApplied.Type>
  readonly unpriced_item_ids: ReadonlyArray<string>
}

/** Downstream lists may repeat a key; the first entry wins so a stray duplicate cannot double-count. */
const indexFirst = <A, K>(values: ReadonlyArray<A>, key: (a: A) => K): Map<K, A> => {
  const index = new Map<K, A>()
  for (const value of values) if (!index.has(key(value))) index.set(key(value), value)
  return index
}

/**
 * The sandbox's pricing rules (DESIGN §10) as one pure function over minor units: the cart
 * simulator and the tests share it, so the figures a flow sees are the figures the tests assert.
 */
export const priceCart = (input: PriceCartInput): PricedCart => {
  const { compute } = input
  const products = indexFirst(compute.products, (p) => p.product_id)

  const items: Array<LineItem> = []
  const priced: Array<PricedLine> = []
  const unpriced: Array<string> = []
  for (const item of input.items) {
    const result = priceLine(item, products.get(item.product_id))
    if (result === undefined) {
      items.push(bareLine(item))
      unpriced.push(item.item_id)
    } else {
      items.push(result.line)
      priced.push(result.priced)
    }
  }

  const subtotal = sum(priced.map((l) => l.lineTotal))
  const promotions = [...indexFirst(compute.promotions, (p) => p.promotion_id).values()]
  const { applied: promotions_applied, afterPromotions } = applyPromotions(priced, promotions)
  // Every reduction is capped at what is left of the subtotal, in application order, so the
  // recorded discounts always sum to the clamped total.
  let remaining: number = afterPromotions
  const take = (wanted: number): number => {
    const taken = Math.max(0, Math.min(wanted, remaining))
    remaining -= taken
    return taken
  }

  const coupons_applied: Array<typeof CouponApplied.Type> = []
  const seenCodes = new Set<string>()
  for (const coupon of compute.coupons) {
    if (seenCodes.has(coupon.code)) continue
    seenCodes.add(coupon.code)
    // A timestamp-shaped `valid_until` still compares by its date.
    if (afterPromotions < coupon.min_subtotal || coupon.valid_until.slice(0, 10) < input.today) continue
    const wanted =
      coupon.type === "PERCENT"
        ? Math.min(applyPercent(afterPromotions, coupon.percent ?? 0), coupon.max_discount ?? Number.POSITIVE_INFINITY)
        : (coupon.amount ?? 0)
    coupons_applied.push({ code: coupon.code, discount: negate(take(wanted)) })
  }

  const discount = negate(subtotal - remaining)

  const storeSubtotals = new Map<string, number>()
  for (const line of priced) {
    const store = line.product.store_id
    storeSubtotals.set(store, (storeSubtotals.get(store) ?? 0) + line.lineTotal)
  }
  const stores = [...storeSubtotals.entries()]
  const shares = allocate(
    discount,
    stores.map(([, storeSubtotal]) => storeSubtotal)
  )
  const taxSettings = indexFirst(compute.tax_settings, (t): string => t.store_id)
  let tax = 0
  let taxIncluded = 0
  stores.forEach(([store, storeSubtotal], i) => {
    const setting = taxSettings.get(store)
    if (setting === undefined) return
    const taxable = storeSubtotal + (shares[i] ?? 0)
    if (setting.mode === "EXCLUSIVE") tax += applyBps(taxable, setting.rate)
    else taxIncluded += includedTax(taxable, setting.rate)
  })

  const deliveryOptionId = input.deliveryOptionId
  let deliveryCharge = 0
  if (deliveryOptionId !== undefined) {
    const charges = indexFirst(compute.delivery_charges, (c): string => c.store_id)
    const waived = promotions.some(
      (p) =>
        p.type === "FREE_DELIVERY" &&
        p.delivery_option_ids.some((id) => id === deliveryOptionId) &&
        subtotal + discount >= p.threshold
    )
    if (!waived) deliveryCharge = sum(stores.map(([store]) => charges.get(store)?.charge ?? 0))
  }

  const totals: Totals = {
    subtotal,
    discount,
    tax: minor(tax),
    tax_included: minor(taxIncluded),
    delivery_charge: minor(deliveryCharge),
    tips: minor(input.tips),
    gift_wrap: minor(input.giftWrap),
    net_payable: minor(subtotal + discount + tax + deliveryCharge + input.tips + input.giftWrap)
  }
  return { items, totals, coupons_applied, promotions_applied, unpriced_item_ids: unpriced }
}
