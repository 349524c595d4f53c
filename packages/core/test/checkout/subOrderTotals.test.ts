import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Cart } from "../../src/domain/Cart.ts"
import { CartId, DomainId, ItemId, ProductId, StoreId } from "../../src/domain/Ids.ts"
import { Bps, Currency, minor } from "../../src/domain/Money.ts"
import { subOrderTotals } from "../../src/checkout/subOrderTotals.ts"

const amount = (max: number) => fc.integer({ min: 0, max })

/** Random priced carts over up to 5 stores with random cart-level charges (discount ≤ subtotal). */
const carts = fc
  .record({
    lines: fc.array(fc.record({ store: fc.integer({ min: 0, max: 4 }), total: amount(5_000_000) }), { minLength: 1, maxLength: 20 }),
    discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
    tax: amount(500_000),
    delivery: amount(50_000),
    tips: amount(1_000_000),
    giftWrap: amount(10_000)
  })
  .map(({ lines, discountShare, tax, delivery, tips, giftWrap }): Cart => {
    const subtotal = lines.reduce((s, l) => s + l.total, 0)
    const discount = 0 - Math.floor(subtotal * discountShare) || 0
    return {
      cart_id: CartId.make("cart_p"),
      domain_id: DomainId.make("dom"),
      cart_type: "DEFAULT",
      currency: Currency.make("INR"),
      version: 1,
      items: lines.map((l, i) => ({
        item_id: ItemId.make(`i${i}`),
        product_id: ProductId.make(`p${i}`),
        addons: [],
        quantity: 1,
        store_id: StoreId.make(`store_${l.store}`),
        line_total: minor(l.total)
      })),
      coupons_applied: [],
      promotions_applied: [],
      totals: {
        subtotal: minor(subtotal),
        discount: minor(discount),
        tax: minor(tax),
        tax_included: minor(0),
        delivery_charge: minor(delivery),
        tips: minor(tips),
        gift_wrap: minor(giftWrap),
        net_payable: minor(subtotal + discount + tax + delivery + tips + giftWrap)
      },
      computed: true,
      updated_at: "2026-01-01T00:00:00.000Z"
    }
  })

/** Whatever the stores say they charge, agreeing with the cart's totals or not. */
const charges = fc.record({
  taxSettings: fc.array(
    fc.record({
      store: fc.integer({ min: 0, max: 5 }),
      mode: fc.constantFrom("EXCLUSIVE" as const, "INCLUSIVE" as const),
      rate: fc.integer({ min: 0, max: 3_000 })
    }),
    { maxLength: 6 }
  ),
  deliveryCharges: fc.array(fc.record({ store: fc.integer({ min: 0, max: 5 }), charge: amount(20_000) }), { maxLength: 6 })
}).map(({ taxSettings, deliveryCharges }) => ({
  taxSettings: taxSettings.map((t) => ({ store_id: StoreId.make(`store_${t.store}`), mode: t.mode, rate: Bps.make(t.rate), label: "GST" })),
  deliveryCharges: deliveryCharges.map((c) => ({ store_id: StoreId.make(`store_${c.store}`), charge: minor(c.charge) }))
}))

describe("subOrderTotals", () => {
  it("sub-order totals sum exactly to the master's, column by column, whatever the stores charge", () => {
    fc.assert(
      fc.property(carts, charges, (cart, storeCharges) => {
        const subs = subOrderTotals(cart, storeCharges)
        const sum = (pick: (t: (typeof subs)[number]["totals"]) => number) => subs.reduce((s, o) => s + pick(o.totals), 0)
        expect(sum((t) => t.total)).toBe(cart.totals.net_payable)
        expect(sum((t) => t.subtotal)).toBe(cart.totals.subtotal)
        expect(sum((t) => t.discount)).toBe(cart.totals.discount)
        expect(sum((t) => t.tax)).toBe(cart.totals.tax)
        expect(sum((t) => t.delivery_charge)).toBe(cart.totals.delivery_charge)
        expect(sum((t) => t.tips)).toBe(cart.totals.tips)
        expect(sum((t) => t.gift_wrap)).toBe(cart.totals.gift_wrap)
        expect(new Set(subs.map((s) => s.store_id)).size).toBe(subs.length)
        for (const s of subs) expect(Number.isInteger(s.totals.total)).toBe(true)
      }),
      { numRuns: 500 }
    )
  })
})
