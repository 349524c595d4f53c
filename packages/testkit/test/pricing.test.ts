import { subOrderTotals } from "@orchestra/core/checkout/subOrderTotals"
import type { Cart, LineItem } from "@orchestra/core/domain/Cart"
import {
  AddonId,
  CartId,
  CouponCode,
  DeliveryOptionId,
  DomainId,
  ItemId,
  ProductId,
  PromotionId,
  StoreId,
  VariantId
} from "@orchestra/core/domain/Ids"
import { applyBps, Bps, Currency, minor } from "@orchestra/core/domain/Money"
import type { ComputeInput } from "@orchestra/core/services/Cart"
import type { CouponDefinition, Promotion } from "@orchestra/core/services/Marketing"
import type { Product } from "@orchestra/core/services/Product"
import type { TaxSetting } from "@orchestra/core/services/SellerAdmin"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type CatalogProduct, demoCatalog } from "../src/catalog/Catalog.ts"
import { type PriceCartInput, type PricedCart, priceCart } from "../src/pricing/priceCart.ts"

// ---------------------------------------------------------------------------------------------
// Demo-catalog inputs, shaped as the downstream services would return them.

/** What the product service returns: the catalog product without its stock counts. */
const toProduct = (p: CatalogProduct): Product => ({
  product_id: p.product_id,
  store_id: p.store_id,
  name: p.name,
  status: p.status,
  ...(p.max_per_order === undefined ? {} : { max_per_order: p.max_per_order }),
  ...(p.price === undefined ? {} : { price: p.price }),
  ...(p.variants === undefined
    ? {}
    : { variants: p.variants.map((v) => ({ variant_id: VariantId.make(v.variant_id), name: v.name, price: v.price })) }),
  ...(p.addons === undefined ? {} : { addons: p.addons })
})

const demoCoupon = (code: string): CouponDefinition => {
  const coupon = demoCatalog.coupons.find((c) => c.code === code)
  if (coupon === undefined) throw new Error(`no demo coupon ${code}`)
  return coupon
}

/** The compute input the orchestrator would gather for `deliveryOptionId` and `codes`. */
const demoCompute = (options: { readonly deliveryOptionId?: string; readonly codes?: ReadonlyArray<string> } = {}): Required<ComputeInput> => {
  const option = demoCatalog.delivery_options.find((o) => o.delivery_option_id === options.deliveryOptionId)
  return {
    products: demoCatalog.products.map(toProduct),
    promotions: demoCatalog.promotions,
    coupons: (options.codes ?? []).map(demoCoupon),
    tax_settings: demoCatalog.stores.map((s) => ({ store_id: s.store_id, ...s.tax_settings })),
    delivery_charges:
      option === undefined ? [] : demoCatalog.stores.map((s) => ({ store_id: s.store_id, charge: option.charge_per_store }))
  }
}

let lineSeq = 0
const line = (productId: string, quantity: number, variantId?: string, addonIds: ReadonlyArray<string> = []): LineItem => ({
  item_id: ItemId.make(`item_${++lineSeq}`),
  product_id: ProductId.make(productId),
  ...(variantId === undefined ? {} : { variant_id: VariantId.make(variantId) }),
  addons: addonIds.map((id) => ({ addon_id: AddonId.make(id) })),
  quantity
})

const price = (
  items: ReadonlyArray<LineItem>,
  options: {
    readonly deliveryOptionId?: string
    readonly codes?: ReadonlyArray<string>
    readonly compute?: Required<ComputeInput>
    readonly tips?: number
    readonly giftWrap?: number
    readonly today?: string
  } = {}
): PricedCart =>
  priceCart({
    items,
    compute: options.compute ?? demoCompute(options),
    tips: options.tips ?? 0,
    giftWrap: options.giftWrap ?? 0,
    deliveryOptionId: options.deliveryOptionId,
    today: options.today ?? "2026-05-01"
  })

describe("priceCart on the demo catalog", () => {
  it("phone 128 GB + 2 cases: combo 10% off the cases, GST 5% exclusive", () => {
    const priced = price([line("prod_phone", 1, "var_128gb"), line("prod_case", 2)])
    expect(priced.totals).toEqual({
      subtotal: 2_059_700,
      discount: -5_980,
      tax: 102_686,
      tax_included: 0,
      delivery_charge: 0,
      tips: 0,
      gift_wrap: 0,
      net_payable: 2_156_406
    })
    expect(priced.promotions_applied).toEqual([
      { promotion_id: "promo_combo_case", title: "Phone + Case combo: 10% off cases", discount: -5_980 }
    ])
    expect(priced.coupons_applied).toEqual([])
    expect(priced.items.map((i) => [i.name, i.store_id, i.unit_price, i.line_total])).toEqual([
      ["Smartphone X", "store_123", 1_999_900, 1_999_900],
      ["Phone Case", "store_123", 29_900, 59_800]
    ])
    expect(priced.unpriced_item_ids).toEqual([])
  })

  it("SAVE20 on earbuds + T-shirt L with express delivery: capped coupon, mixed tax modes", () => {
    const priced = price([line("prod_earbuds", 1), line("prod_tshirt", 1, "var_l")], {
      deliveryOptionId: "deliv_opt_express",
      codes: ["SAVE20"]
    })
    expect(priced.coupons_applied).toEqual([{ code: "SAVE20", discount: -20_000 }])
    expect(priced.promotions_applied).toEqual([])
    expect(priced.totals).toEqual({
      subtotal: 184_800,
      discount: -20_000,
      // store_123 bears 14058 of the discount (115842 taxable × 5%); store_456 bears 5942.
      tax: 5_792,
      tax_included: 5_246,
      delivery_charge: 19_800,
      tips: 0,
      gift_wrap: 0,
      net_payable: 184_800 - 20_000 + 5_792 + 19_800
    })
  })

  it("standard delivery is waived at a subtotal of 599.00 or more", () => {
    const priced = price([line("prod_earbuds", 1)], { deliveryOptionId: "deliv_opt_123" })
    expect(priced.totals.subtotal).toBeGreaterThanOrEqual(59_900)
    expect(priced.totals.delivery_charge).toBe(0)
    expect(priced.totals.net_payable).toBe(129_900 + 6_495)
  })

  it("standard delivery is charged below the threshold, measured after discounts", () => {
    const below = price([line("prod_case", 1)], { deliveryOptionId: "deliv_opt_123" })
    expect(below.totals.delivery_charge).toBe(5_000)
    // 598.00 − 50.00 = 548.00 < 599.00, so the coupon costs the customer the free delivery.
    const discounted = price([line("prod_case", 2)], { deliveryOptionId: "deliv_opt_123", codes: ["FLAT50"] })
    expect(discounted.totals.discount).toBe(-5_000)
    expect(discounted.totals.delivery_charge).toBe(5_000)
  })

  it("charges delivery only for stores that have priced lines, and only with a delivery option", () => {
    const express = price([line("prod_case", 1)], { deliveryOptionId: "deliv_opt_express" })
    expect(express.totals.delivery_charge).toBe(9_900)
    const none = price([line("prod_case", 1)], { compute: demoCompute({ deliveryOptionId: "deliv_opt_express" }) })
    expect(none.totals.delivery_charge).toBe(0)
  })

  it("prices addons into the line", () => {
    const priced = price([line("prod_phone", 2, "var_128gb", ["addon_warranty", "addon_insurance"])])
    const [phone] = priced.items
    expect(phone?.addons).toEqual([
      { addon_id: "addon_warranty", name: "Extended Warranty", price: 99_900 },
      { addon_id: "addon_insurance", name: "Screen Insurance", price: 49_900 }
    ])
    expect(phone?.line_total).toBe((1_999_900 + 99_900 + 49_900) * 2)
    expect(priced.totals.subtotal).toBe(phone?.line_total)
  })

  it("ignores expired coupons, coupons below their minimum and repeated codes", () => {
    const items = [line("prod_case", 2)]
    expect(price(items, { codes: ["EXPIRED10"] }).coupons_applied).toEqual([])
    expect(price(items, { codes: ["ONCE100"] }).coupons_applied).toEqual([])
    const twice = price([line("prod_earbuds", 1)], { codes: ["FLAT50", "FLAT50"] })
    expect(twice.coupons_applied).toEqual([{ code: "FLAT50", discount: -5_000 }])
    expect(twice.totals.discount).toBe(-5_000)
  })

  it("keeps a coupon valid through its valid_until day", () => {
    const items = [line("prod_earbuds", 1)]
    expect(price(items, { codes: ["FLAT50"], today: "2099-12-31" }).coupons_applied).toHaveLength(1)
    expect(price(items, { codes: ["FLAT50"], today: "2100-01-01" }).coupons_applied).toEqual([])
  })

  it("applies coupons to the subtotal after promotions", () => {
    // 20% of (2059700 − 5980) is far above the cap, so SAVE20 gives exactly its 200.00.
    const priced = price([line("prod_phone", 1, "var_128gb"), line("prod_case", 2)], { codes: ["SAVE20", "FLAT50"] })
    expect(priced.coupons_applied).toEqual([
      { code: "SAVE20", discount: -20_000 },
      { code: "FLAT50", discount: -5_000 }
    ])
    expect(priced.totals.discount).toBe(-5_980 - 20_000 - 5_000)
  })

  it("never discounts more than the subtotal, trimming the last coupon", () => {
    const base = demoCompute()
    const flat = (code: string, amount: number): CouponDefinition => ({
      code: CouponCode.make(code),
      type: "FLAT",
      amount: minor(amount),
      min_subtotal: minor(0),
      valid_until: "2099-12-31"
    })
    const priced = price([line("prod_case", 1)], {
      compute: { ...base, coupons: [flat("BIG", 20_000), flat("HUGE", 50_000), flat("AFTER", 1_000)] }
    })
    expect(priced.totals.discount).toBe(-29_900)
    expect(priced.coupons_applied).toEqual([
      { code: "BIG", discount: -20_000 },
      { code: "HUGE", discount: -9_900 },
      { code: "AFTER", discount: 0 }
    ])
    expect(priced.totals.tax).toBe(0)
    expect(priced.totals.net_payable).toBe(0)
  })

  it("keeps a line whose product is gone, unpriced, and ignores any price it carried", () => {
    const stale: LineItem = { ...line("prod_vanished", 3), unit_price: minor(100), line_total: minor(300), name: "Old" }
    const priced = price([stale, line("prod_case", 1)])
    expect(priced.unpriced_item_ids).toEqual([stale.item_id])
    expect(priced.items[0]).toEqual({ item_id: stale.item_id, product_id: "prod_vanished", addons: [], quantity: 3 })
    expect(priced.totals.subtotal).toBe(29_900)
  })

  it("leaves a line unpriced when its variant or addon no longer exists", () => {
    const priced = price([line("prod_phone", 1, "var_1tb"), line("prod_case", 1, undefined, ["addon_giftbox"])])
    expect(priced.unpriced_item_ids).toHaveLength(2)
    expect(priced.totals.subtotal).toBe(0)
  })

  it("adds no tax for a store without a tax setting, and adds tips and gift wrap", () => {
    const base = demoCompute()
    const priced = price([line("prod_case", 1)], { compute: { ...base, tax_settings: [] }, tips: 5_000, giftWrap: 2_500 })
    expect(priced.totals).toMatchObject({ tax: 0, tax_included: 0, net_payable: 29_900 + 5_000 + 2_500 })
  })
})

// ---------------------------------------------------------------------------------------------
// Random carts.

const OPTIONS: ReadonlyArray<string> = ["opt_a", "opt_b"]
const DATES: ReadonlyArray<string> = ["2026-01-01", "2026-06-15", "2027-01-01"]

const storeArb = fc.record({
  tax: fc.option(fc.record({ mode: fc.constantFrom<"EXCLUSIVE" | "INCLUSIVE">("EXCLUSIVE", "INCLUSIVE"), rate: fc.integer({ min: 0, max: 3_000 }) })),
  charge: fc.option(fc.integer({ min: 0, max: 20_000 }))
})
const productArb = fc.record({
  store: fc.nat(),
  price: fc.integer({ min: 0, max: 5_000_000 }),
  variants: fc.array(fc.integer({ min: 0, max: 5_000_000 }), { maxLength: 3 }),
  addons: fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 2 })
})
const lineArb = fc.record({
  product: fc.nat(),
  // A few lines point at products the product service no longer returns.
  missing: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  variant: fc.nat(),
  addons: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  quantity: fc.integer({ min: 1, max: 99 })
})
const comboArb = fc.record({
  requires: fc.array(fc.nat(), { maxLength: 2 }),
  targets: fc.array(fc.nat(), { maxLength: 3 }),
  percent: fc.integer({ min: 0, max: 100 })
})
const freeDeliveryArb = fc.record({
  threshold: fc.integer({ min: 0, max: 10_000_000 }),
  options: fc.subarray([...OPTIONS])
})
const couponArb = fc.record({
  code: fc.constantFrom("C1", "C2", "C3", "C4"),
  type: fc.constantFrom<"PERCENT" | "FLAT">("PERCENT", "FLAT"),
  percent: fc.integer({ min: 0, max: 100 }),
  amount: fc.integer({ min: 0, max: 10_000_000 }),
  maxDiscount: fc.option(fc.integer({ min: 0, max: 5_000_000 })),
  minSubtotal: fc.integer({ min: 0, max: 5_000_000 }),
  validUntil: fc.constantFrom(...DATES)
})
const cartArb = fc.record({
  stores: fc.array(storeArb, { minLength: 1, maxLength: 4 }),
  products: fc.array(productArb, { minLength: 1, maxLength: 8 }),
  lines: fc.array(lineArb, { maxLength: 12 }),
  combos: fc.array(comboArb, { maxLength: 3 }),
  freeDeliveries: fc.array(freeDeliveryArb, { maxLength: 2 }),
  coupons: fc.array(couponArb, { maxLength: 6 }),
  tips: fc.integer({ min: 0, max: 1_000_000 }),
  giftWrap: fc.integer({ min: 0, max: 10_000 }),
  deliveryOption: fc.option(fc.constantFrom(...OPTIONS), { nil: undefined }),
  today: fc.constantFrom(...DATES)
})
type RandomCart = typeof cartArb extends fc.Arbitrary<infer A> ? A : never

const at = <A>(values: ReadonlyArray<A>, n: number): A => {
  const value = values[n % values.length]
  if (value === undefined) throw new Error("empty choice")
  return value
}

/** Builds a consistent price input from the generated numbers; indices wrap onto what exists. */
const toInput = (cart: RandomCart): { input: PriceCartInput; missing: ReadonlyArray<string> } => {
  const storeIds = cart.stores.map((_, i) => StoreId.make(`store_${i}`))
  const productIds = cart.products.map((_, i) => ProductId.make(`prod_${i}`))
  const products: Array<Product> = cart.products.map((p, i) => ({
    product_id: at(productIds, i),
    store_id: at(storeIds, p.store),
    name: `Product ${i}`,
    status: "ACTIVE",
    ...(p.variants.length === 0
      ? { price: minor(p.price) }
      : { variants: p.variants.map((v, j) => ({ variant_id: VariantId.make(`var_${j}`), name: `V${j}`, price: minor(v) })) }),
    addons: p.addons.map((a, j) => ({ addon_id: AddonId.make(`addon_${j}`), name: `A${j}`, price: minor(a) }))
  }))
  const missing: Array<string> = []
  const items: Array<LineItem> = cart.lines.map((l, i) => {
    const product = at(cart.products, l.product)
    const itemId = ItemId.make(`item_${i}`)
    if (l.missing) missing.push(itemId)
    return {
      item_id: itemId,
      product_id: l.missing ? ProductId.make(`gone_${i}`) : at(productIds, l.product),
      ...(product.variants.length === 0 ? {} : { variant_id: VariantId.make(`var_${l.variant % product.variants.length}`) }),
      addons: product.addons.flatMap((_, j) => (l.addons[j] === true ? [{ addon_id: AddonId.make(`addon_${j}`) }] : [])),
      quantity: l.quantity
    }
  })
  const promotions: Array<Promotion> = [
    ...cart.combos.map(
      (c, i): Promotion => ({
        promotion_id: PromotionId.make(`combo_${i}`),
        type: "COMBO",
        title: `Combo ${i}`,
        requires_product_ids: c.requires.map((n) => at(productIds, n)),
        target_product_ids: c.targets.map((n) => at(productIds, n)),
        percent: c.percent
      })
    ),
    ...cart.freeDeliveries.map(
      (f, i): Promotion => ({
        promotion_id: PromotionId.make(`free_${i}`),
        type: "FREE_DELIVERY",
        title: `Free ${i}`,
        threshold: minor(f.threshold),
        delivery_option_ids: f.options.map((o) => DeliveryOptionId.make(o))
      })
    )
  ]
  const coupons: Array<CouponDefinition> = cart.coupons.map((c) => ({
    code: CouponCode.make(c.code),
    type: c.type,
    ...(c.type === "PERCENT" ? { percent: c.percent } : { amount: minor(c.amount) }),
    ...(c.maxDiscount === null ? {} : { max_discount: minor(c.maxDiscount) }),
    min_subtotal: minor(c.minSubtotal),
    valid_until: c.validUntil
  }))
  const tax_settings: Array<TaxSetting> = cart.stores.flatMap((s, i) =>
    s.tax === null ? [] : [{ store_id: at(storeIds, i), mode: s.tax.mode, rate: Bps.make(s.tax.rate), label: `Tax ${i}` }]
  )
  const delivery_charges = cart.stores.flatMap((s, i) =>
    s.charge === null ? [] : [{ store_id: at(storeIds, i), charge: minor(s.charge) }]
  )
  return {
    input: {
      items,
      compute: { products, promotions, coupons, tax_settings, delivery_charges },
      tips: cart.tips,
      giftWrap: cart.giftWrap,
      deliveryOptionId: cart.deliveryOption,
      today: cart.today
    },
    missing
  }
}

const total = (xs: ReadonlyArray<{ readonly discount: number }>): number => xs.reduce((acc, x) => acc + x.discount, 0)

const everyNumber = (priced: PricedCart): ReadonlyArray<number> => [
  ...Object.values(priced.totals),
  ...priced.coupons_applied.map((c) => c.discount),
  ...priced.promotions_applied.map((p) => p.discount),
  ...priced.items.flatMap((i) => [i.quantity, i.unit_price ?? 0, i.line_total ?? 0, ...i.addons.map((a) => a.price ?? 0)])
]

const RUNS = { numRuns: 400 }

describe("priceCart on random carts", () => {
  const property = (name: string, check: (priced: PricedCart, input: PriceCartInput, missing: ReadonlyArray<string>) => void) =>
    it(name, () => {
      fc.assert(
        fc.property(cartArb, (cart) => {
          const { input, missing } = toInput(cart)
          check(priceCart(input), input, missing)
        }),
        RUNS
      )
    })

  property("net_payable = subtotal + discount + tax + delivery_charge + tips + gift_wrap", ({ totals: t }) => {
    expect(t.net_payable).toBe(t.subtotal + t.discount + t.tax + t.delivery_charge + t.tips + t.gift_wrap)
  })

  property("the discount is never positive and never larger than the subtotal", ({ totals: t }) => {
    expect(t.discount).toBeLessThanOrEqual(0)
    expect(-t.discount).toBeLessThanOrEqual(t.subtotal)
  })

  property("recorded coupons and promotions sum to the discount", (priced) => {
    expect(total(priced.coupons_applied) + total(priced.promotions_applied)).toBe(priced.totals.discount)
    for (const applied of [...priced.coupons_applied, ...priced.promotions_applied]) {
      expect(applied.discount).toBeLessThanOrEqual(0)
    }
  })

  property("every number is a safe integer, never -0", (priced) => {
    for (const n of everyNumber(priced)) {
      expect(Number.isSafeInteger(n)).toBe(true)
      expect(Object.is(n, -0)).toBe(false)
    }
  })

  property("line totals sum to the subtotal; only lines of vanished products are unpriced", (priced, input, missing) => {
    expect(priced.items.map((i) => i.item_id)).toEqual(input.items.map((i) => i.item_id))
    expect(priced.items.reduce((acc, i) => acc + (i.line_total ?? 0), 0)).toBe(priced.totals.subtotal)
    expect(priced.unpriced_item_ids).toEqual(missing)
    for (const item of priced.items) {
      const addons = item.addons.reduce((acc, a) => acc + (a.price ?? 0), 0)
      if (item.unit_price !== undefined) expect(item.line_total).toBe((item.unit_price + addons) * item.quantity)
    }
  })

  property("tax and delivery are never negative, and delivery never exceeds the stores' charges", (priced, input) => {
    expect(priced.totals.tax).toBeGreaterThanOrEqual(0)
    expect(priced.totals.tax_included).toBeGreaterThanOrEqual(0)
    expect(priced.totals.delivery_charge).toBeGreaterThanOrEqual(0)
    const allCharges = input.compute.delivery_charges.reduce((acc, c) => acc + c.charge, 0)
    expect(priced.totals.delivery_charge).toBeLessThanOrEqual(allCharges)
    if (input.deliveryOptionId === undefined) expect(priced.totals.delivery_charge).toBe(0)
  })

  property("each coupon code is applied at most once", (priced) => {
    const codes = priced.coupons_applied.map((c) => c.code)
    expect(new Set(codes).size).toBe(codes.length)
  })

  property("is deterministic", (priced, input) => {
    expect(priceCart(input)).toEqual(priced)
  })
})

describe("sub-orders of a priced cart (DESIGN §10)", () => {
  it("each store's sub-order carries its own tax at its own rate and its own delivery charge; columns sum to the cart's", () => {
    fc.assert(
      fc.property(cartArb, (random) => {
        const { input } = toInput(random)
        const priced = priceCart(input)
        // An order has at least one priced line: a cart without one is refused before it is placed.
        fc.pre(priced.items.some((item) => item.store_id !== undefined))
        const cart: Cart = {
          cart_id: CartId.make("cart_sub"),
          domain_id: DomainId.make("dom"),
          cart_type: "DEFAULT",
          currency: Currency.make("INR"),
          version: 1,
          items: priced.items,
          coupons_applied: priced.coupons_applied,
          promotions_applied: priced.promotions_applied,
          totals: priced.totals,
          computed: true,
          updated_at: "2026-01-01T00:00:00.000Z"
        }
        const deliveryCharges = input.deliveryOptionId === undefined ? [] : input.compute.delivery_charges
        const subs = subOrderTotals(cart, { taxSettings: input.compute.tax_settings, deliveryCharges })
        const column = (pick: (t: (typeof subs)[number]["totals"]) => number) => subs.reduce((sum, s) => sum + pick(s.totals), 0)
        expect(column((t) => t.total)).toBe(priced.totals.net_payable)
        expect(column((t) => t.tax)).toBe(priced.totals.tax)
        expect(column((t) => t.delivery_charge)).toBe(priced.totals.delivery_charge)
        for (const sub of subs) {
          const setting = input.compute.tax_settings.find((t) => t.store_id === sub.store_id)
          const taxable = sub.totals.subtotal + sub.totals.discount
          expect(sub.totals.tax).toBe(setting?.mode === "EXCLUSIVE" ? applyBps(taxable, setting.rate) : 0)
          const quoted = deliveryCharges.find((c) => c.store_id === sub.store_id)?.charge ?? 0
          expect(sub.totals.delivery_charge).toBe(priced.totals.delivery_charge === 0 ? 0 : quoted)
        }
      }),
      RUNS
    )
  })
})
