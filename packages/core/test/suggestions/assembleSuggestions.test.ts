import { ConfigProvider, Effect, Exit, Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BundleId, ProductId, PromotionId, StoreId, VariantId } from "../../src/domain/Ids.ts"
import { Currency, type Minor, minor } from "../../src/domain/Money.ts"
import { type Suggestion, type SuggestionType, suggestionTypeOrder } from "../../src/domain/Suggestion.ts"
import type { Availability } from "../../src/services/Inventory.ts"
import type { Bundle, ThresholdOffer } from "../../src/services/Marketing.ts"
import type { Product } from "../../src/services/Product.ts"
import type { Candidate } from "../../src/services/Recommendations.ts"
import {
  assembleSuggestions,
  formatMoney,
  MAX_GROUP_ITEMS,
  MAX_THRESHOLD_ITEMS,
  type SuggestionInputs
} from "../../src/suggestions/assembleSuggestions.ts"
import {
  defaultSuggestionWeights,
  parseSuggestionWeights,
  type SuggestionWeights,
  SuggestionWeightsConfig
} from "../../src/suggestions/SuggestionWeights.ts"

const INR = Currency.make("INR")
const store = StoreId.make("store_1")
const pid = (id: string) => ProductId.make(id)

const simple = (id: string, name: string, price: number, status: Product["status"] = "ACTIVE"): Product => ({
  product_id: pid(id),
  store_id: store,
  name,
  status,
  price: minor(price)
})

const inStock = (id: string, available = true, variant?: string): Availability => ({
  product_id: pid(id),
  ...(variant === undefined ? {} : { variant_id: VariantId.make(variant) }),
  requested: 1,
  quantity_available: available ? 10 : 0,
  available
})

const candidate = (id: string, score: number, reason?: string, source?: Candidate["source"]): Candidate => ({
  product_id: pid(id),
  score,
  ...(reason === undefined ? {} : { reason }),
  ...(source === undefined ? {} : { source })
})

const inputs = (overrides: Partial<SuggestionInputs> = {}): SuggestionInputs => ({
  cart: { currency: INR, productIds: [], currentAmount: minor(0) },
  complementary: [],
  upsells: [],
  reminders: [],
  bundles: [],
  thresholdOffers: [],
  products: [],
  availability: [],
  degradedSources: [],
  ...overrides
})

const typesOf = (suggestions: ReadonlyArray<Suggestion>) => suggestions.map((s) => s.type)
const idsOf = (suggestion: Suggestion | undefined) => suggestion?.items.map((i) => i.product_id)
const group = (suggestions: ReadonlyArray<Suggestion>, type: SuggestionType) => suggestions.find((s) => s.type === type)

// The demo catalog's figures (DESIGN §10), in minor units.
const demoProducts = [
  simple("prod_case", "Phone Case", 29_900),
  simple("prod_screen", "Screen Protector", 14_900),
  simple("prod_premium_case", "Premium Leather Case", 79_900),
  simple("prod_earbuds", "Bluetooth Earbuds", 129_900),
  simple("prod_powerbank", "Power Bank", 89_900),
  simple("prod_mug", "Ceramic Mug", 24_900)
]
const demoStock = [
  ...["prod_case", "prod_screen", "prod_premium_case", "prod_earbuds", "prod_mug"].map((id) => inStock(id)),
  inStock("prod_powerbank", false)
]
const demoReminders = [
  candidate("prod_earbuds", 0.5, "In your wishlist", "WISHLIST"),
  candidate("prod_powerbank", 0.4, "You viewed this recently", "RECENTLY_VIEWED"),
  candidate("prod_mug", 0.4, "You viewed this recently", "RECENTLY_VIEWED")
]
const kit: typeof Bundle.Type = {
  bundle_id: BundleId.make("bundle_123"),
  name: "Complete Accessory Kit",
  product_ids: [pid("prod_case"), pid("prod_screen"), pid("prod_earbuds")],
  bundle_price: minor(139_900)
}
const freeDelivery: typeof ThresholdOffer.Type = {
  promotion_id: PromotionId.make("promo_free_delivery"),
  benefit: "FREE_DELIVERY",
  target_amount: minor(59_900)
}

describe("assembleSuggestions with the demo catalog's candidates", () => {
  const phoneAndCase = inputs({
    cart: { currency: INR, productIds: [pid("prod_phone"), pid("prod_case")], currentAmount: minor(2_029_820) },
    complementary: [
      candidate("prod_case", 0.8, "80% of customers bought this"),
      candidate("prod_screen", 0.7, "70% of customers bought this"),
      candidate("prod_earbuds", 0.4, "Often bought together")
    ],
    upsells: [candidate("prod_premium_case", 0.6, "Better durability")],
    reminders: demoReminders,
    bundles: [kit],
    products: demoProducts,
    availability: demoStock
  })

  it("answers the seed's groups for a phone and a case", () => {
    const { suggestions, meta } = assembleSuggestions(phoneAndCase, defaultSuggestionWeights)
    expect(typesOf(suggestions)).toEqual(["COMPLEMENTARY", "BUNDLE", "UPSELL", "REMINDER"])
    expect(group(suggestions, "COMPLEMENTARY")).toEqual({
      type: "COMPLEMENTARY",
      title: "Frequently Bought Together",
      items: [
        { product_id: "prod_screen", name: "Screen Protector", price: 14_900, reason: "70% of customers bought this" },
        { product_id: "prod_earbuds", name: "Bluetooth Earbuds", price: 129_900, reason: "Often bought together" }
      ]
    })
    // 299 + 149 + 1299 = 1747.00 for 1399.00: 348.00 saved, 19.9 % → 20 %.
    expect(group(suggestions, "BUNDLE")).toEqual({
      type: "BUNDLE",
      title: "Bundle Deal - Save 20%",
      bundle: { bundle_id: "bundle_123", name: "Complete Accessory Kit", bundle_price: 139_900, savings: 34_800 },
      items: [
        { product_id: "prod_case", name: "Phone Case", price: 29_900 },
        { product_id: "prod_screen", name: "Screen Protector", price: 14_900 },
        { product_id: "prod_earbuds", name: "Bluetooth Earbuds", price: 129_900 }
      ]
    })
    expect(idsOf(group(suggestions, "UPSELL"))).toEqual(["prod_premium_case"])
    // Earbuds: complementary 0.4 × 1.0 beats wishlist 0.5 × 0.7; the power bank is out of stock.
    expect(group(suggestions, "REMINDER")?.items).toEqual([
      { product_id: "prod_mug", name: "Ceramic Mug", price: 24_900, reason: "You viewed this recently", source: "RECENTLY_VIEWED" }
    ])
    expect(meta).toEqual({
      total_suggestions: 7,
      suggestion_types: ["COMPLEMENTARY", "BUNDLE", "UPSELL", "REMINDER"],
      degraded_sources: []
    })
  })

  it("moves a product to the group its weight makes best", () => {
    const { suggestions } = assembleSuggestions(phoneAndCase, { ...defaultSuggestionWeights, REMINDER: 1 })
    expect(idsOf(group(suggestions, "COMPLEMENTARY"))).toEqual(["prod_screen"])
    expect(idsOf(group(suggestions, "REMINDER"))).toEqual(["prod_earbuds", "prod_mug"])
  })

  it("turns a type off with weight 0", () => {
    const { suggestions } = assembleSuggestions(phoneAndCase, { ...defaultSuggestionWeights, BUNDLE: 0, COMPLEMENTARY: 0 })
    expect(typesOf(suggestions)).toEqual(["UPSELL", "REMINDER"])
    expect(idsOf(group(suggestions, "REMINDER"))).toEqual(["prod_earbuds", "prod_mug"])
  })

  it("offers free delivery for a cart with one screen protector: 599.00 − 149.00 = 450.00", () => {
    const { suggestions, meta } = assembleSuggestions(
      inputs({
        cart: { currency: INR, productIds: [pid("prod_screen")], currentAmount: minor(14_900) },
        reminders: demoReminders,
        thresholdOffers: [freeDelivery],
        products: demoProducts,
        availability: demoStock
      }),
      defaultSuggestionWeights
    )
    expect(group(suggestions, "THRESHOLD_BASED")).toEqual({
      type: "THRESHOLD_BASED",
      title: "Add ₹450 more for FREE Delivery!",
      threshold: { target_amount: 59_900, current_amount: 14_900, remaining_amount: 45_000, benefit: "FREE_DELIVERY" },
      items: [{ product_id: "prod_earbuds", name: "Bluetooth Earbuds", price: 129_900 }]
    })
    // The mug (249.00) does not clear the remainder, so it stays a reminder.
    expect(idsOf(group(suggestions, "REMINDER"))).toEqual(["prod_mug"])
    expect(meta.suggestion_types).toEqual(["THRESHOLD_BASED", "REMINDER"])
  })

  it("takes the nearest threshold above the cart and the cheapest products that clear it", () => {
    const products = [10, 20, 30, 40, 50, 60].map((n) => simple(`p${n}`, `P${n}`, n * 1_000))
    const { suggestions } = assembleSuggestions(
      inputs({
        cart: { currency: INR, productIds: [pid("prod_x")], currentAmount: minor(5_050) },
        complementary: [candidate("p30", 0.5)],
        upsells: products.map((p) => candidate(p.product_id, 0.5)),
        thresholdOffers: [
          { ...freeDelivery, target_amount: minor(80_000) },
          { ...freeDelivery, promotion_id: PromotionId.make("promo_low"), target_amount: minor(25_000) },
          { ...freeDelivery, promotion_id: PromotionId.make("promo_reached"), target_amount: minor(5_000) }
        ],
        products,
        availability: products.map((p) => inStock(p.product_id))
      }),
      defaultSuggestionWeights
    )
    const threshold = group(suggestions, "THRESHOLD_BASED")
    expect(threshold?.title).toBe("Add ₹199.50 more for FREE Delivery!")
    expect(threshold?.threshold?.remaining_amount).toBe(19_950)
    // p30 ties between complementary and threshold (0.5 × 1.0): the earlier type in the seed's order keeps it.
    expect(idsOf(group(suggestions, "COMPLEMENTARY"))).toEqual(["p30"])
    expect(idsOf(threshold)).toEqual(["p20", "p40", "p50"])
    // p10 does not clear the remainder; p60 was turned away by the full threshold group and falls
    // back to its next best group.
    expect(idsOf(group(suggestions, "UPSELL"))).toEqual(["p10", "p60"])
  })

  it("keeps the threshold group when nothing clears the remainder", () => {
    const { suggestions } = assembleSuggestions(
      inputs({ cart: { currency: INR, productIds: [pid("p")], currentAmount: minor(0) }, thresholdOffers: [freeDelivery] }),
      defaultSuggestionWeights
    )
    expect(suggestions).toEqual([
      {
        type: "THRESHOLD_BASED",
        title: "Add ₹599 more for FREE Delivery!",
        threshold: { target_amount: 59_900, current_amount: 0, remaining_amount: 59_900, benefit: "FREE_DELIVERY" },
        items: []
      }
    ])
  })

  it("drops a bundle with a product that cannot be sold, that saves nothing or that adds nothing", () => {
    const base = { products: demoProducts, availability: demoStock, cart: phoneAndCase.cart }
    const withPowerbank = { ...kit, bundle_id: BundleId.make("b_oos"), product_ids: [pid("prod_case"), pid("prod_powerbank")] }
    const noSaving = { ...kit, bundle_id: BundleId.make("b_dear"), bundle_price: minor(174_700) }
    const allInCart = { ...kit, bundle_id: BundleId.make("b_have"), product_ids: [pid("prod_case")], bundle_price: minor(100) }
    const { suggestions } = assembleSuggestions(
      inputs({ ...base, bundles: [withPowerbank, noSaving, allInCart] }),
      defaultSuggestionWeights
    )
    expect(suggestions).toEqual([])
  })

  it("prices a product with variants from its cheapest variant in stock", () => {
    const shirt: Product = {
      product_id: pid("prod_tshirt"),
      store_id: store,
      name: "Cotton T-Shirt",
      status: "ACTIVE",
      variants: [
        { variant_id: VariantId.make("var_s"), name: "S", price: minor(49_900) },
        { variant_id: VariantId.make("var_l"), name: "L", price: minor(54_900) }
      ]
    }
    const { suggestions } = assembleSuggestions(
      inputs({
        complementary: [candidate("prod_tshirt", 0.5)],
        products: [shirt],
        availability: [inStock("prod_tshirt", false, "var_s"), inStock("prod_tshirt", true, "var_l")]
      }),
      defaultSuggestionWeights
    )
    expect(group(suggestions, "COMPLEMENTARY")?.items[0]?.price).toBe(54_900)
  })

  it("names degraded sources in meta", () => {
    const { meta } = assembleSuggestions(inputs({ degradedSources: ["recommendations.upsells"] }), defaultSuggestionWeights)
    expect(meta).toEqual({ total_suggestions: 0, suggestion_types: [], degraded_sources: ["recommendations.upsells"] })
  })
})

describe("formatMoney", () => {
  it("formats minor units without floats: whole amounts without decimals, the rupee sign for INR", () => {
    expect(formatMoney(minor(9_900), INR)).toBe("₹99")
    expect(formatMoney(minor(45_050), INR)).toBe("₹450.50")
    expect(formatMoney(minor(5), INR)).toBe("₹0.05")
    expect(formatMoney(minor(123_456_789_012), Currency.make("USD"))).toBe("USD 1234567890.12")
  })
})

describe("SuggestionWeights", () => {
  it("overrides the named types and keeps the defaults for the others", () => {
    expect(parseSuggestionWeights("COMPLEMENTARY=1, UPSELL=0.5")).toEqual(
      Result.succeed({ ...defaultSuggestionWeights, COMPLEMENTARY: 1, UPSELL: 0.5 })
    )
    expect(parseSuggestionWeights("")).toEqual(Result.succeed(defaultSuggestionWeights))
  })

  it("reads ORCHESTRA_SUGGESTION_WEIGHTS, defaults without it, and fails the start on a typo", () => {
    const read = (env: Record<string, string>) => Effect.runSyncExit(SuggestionWeightsConfig.parse(ConfigProvider.fromEnv({ env })))
    expect(read({ ORCHESTRA_SUGGESTION_WEIGHTS: "UPSELL=0.5" })).toEqual(
      Exit.succeed({ ...defaultSuggestionWeights, UPSELL: 0.5 })
    )
    expect(read({})).toEqual(Exit.succeed(defaultSuggestionWeights))
    const typo = read({ ORCHESTRA_SUGGESTION_WEIGHTS: "UPSEL=0.5" })
    expect(Exit.isFailure(typo)).toBe(true)
    expect(String(Exit.isFailure(typo) ? typo.cause : "")).toContain("UPSEL=0.5")
  })

  it("refuses unknown types, repeats and bad numbers", () => {
    for (const bad of ["SPONSORED=1", "UPSELL=-1", "UPSELL=x", "UPSELL", "UPSELL=1,UPSELL=2", "upsell=1"]) {
      expect(Result.isFailure(parseSuggestionWeights(bad))).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Properties over random candidate sets.

const POOL = Array.from({ length: 18 }, (_, i) => `p${i}`)
const idArb = fc.constantFrom(...POOL)
/** Scores on a coarse grid, so equal scores (and equal weighted scores) happen often. */
const scoreArb = fc.integer({ min: 0, max: 10 }).map((n) => n / 10)
const priceArb = fc.integer({ min: 0, max: 20 }).map((n) => n * 5_000 + 99)
/** Mostly in stock, so groups fill up and limits are exercised. */
const availableArb = fc.constantFrom(true, true, true, false)

const productArb = (id: string): fc.Arbitrary<{ product: Product; stock: Array<Availability> }> =>
  fc
    .record({
      status: fc.constantFrom<Product["status"]>("ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE"),
      variants: fc.option(fc.array(fc.record({ price: priceArb, available: availableArb }), { minLength: 1, maxLength: 3 }), {
        nil: undefined
      }),
      price: priceArb,
      available: availableArb
    })
    .map(({ status, variants, price, available }) =>
      variants === undefined
        ? { product: simple(id, id.toUpperCase(), price, status), stock: [inStock(id, available)] }
        : {
            product: {
              product_id: pid(id),
              store_id: store,
              name: id.toUpperCase(),
              status,
              variants: variants.map((v, i) => ({ variant_id: VariantId.make(`v${i}`), name: `V${i}`, price: minor(v.price) }))
            },
            stock: variants.map((v, i) => inStock(id, v.available, `v${i}`))
          }
    )

const candidatesArb = (reminders: boolean) =>
  fc.array(
    fc.record({
      id: idArb,
      score: scoreArb,
      reason: fc.option(fc.constantFrom("a", "b"), { nil: undefined }),
      source: reminders ? fc.constantFrom<Candidate["source"]>("WISHLIST", "RECENTLY_VIEWED") : fc.constant(undefined)
    }),
    { maxLength: 30 }
  ).map((list) => list.map((c) => candidate(c.id, c.score, c.reason, c.source)))

const inputsArb: fc.Arbitrary<SuggestionInputs> = fc
  .record({
    known: fc.subarray(POOL, { minLength: 10 }),
    cartIds: fc.subarray(POOL, { maxLength: 4 }),
    currentAmount: fc.integer({ min: 0, max: 150_000 }),
    complementary: candidatesArb(false),
    upsells: candidatesArb(false),
    reminders: candidatesArb(true),
    bundles: fc.array(
      fc.record({
        id: fc.constantFrom("b0", "b1", "b2", "b3"),
        products: fc.array(idArb, { minLength: 1, maxLength: 6 }),
        price: fc.integer({ min: 0, max: 200_000 })
      }),
      { maxLength: 5 }
    ),
    offers: fc.array(fc.record({ id: fc.constantFrom("o1", "o2", "o3"), target: fc.integer({ min: 0, max: 200_000 }) }), {
      maxLength: 3
    }),
    catalog: fc.tuple(...POOL.map(productArb))
  })
  .map((r) => {
    const known = new Set(r.known)
    const found = r.catalog.filter(({ product }) => known.has(product.product_id))
    return inputs({
      cart: { currency: INR, productIds: r.cartIds.map(pid), currentAmount: minor(r.currentAmount) },
      complementary: r.complementary,
      upsells: r.upsells,
      reminders: r.reminders,
      bundles: r.bundles.map((b) => ({
        bundle_id: BundleId.make(b.id),
        name: b.id,
        product_ids: b.products.map(pid),
        bundle_price: minor(b.price)
      })),
      thresholdOffers: r.offers.map((o) => ({ promotion_id: PromotionId.make(o.id), benefit: "FREE_DELIVERY", target_amount: minor(o.target) })),
      products: found.map((f) => f.product),
      availability: found.flatMap((f) => f.stock)
    })
  })

const weightArb = fc.constantFrom(0, 0.5, 0.7, 0.8, 0.9, 1)
const weightsArb: fc.Arbitrary<SuggestionWeights> = fc.oneof(
  fc.constant(defaultSuggestionWeights),
  fc.record({ COMPLEMENTARY: weightArb, THRESHOLD_BASED: weightArb, BUNDLE: weightArb, UPSELL: weightArb, REMINDER: weightArb })
)

/** The spec restated: what a product sells for now, or undefined when it cannot be sold. */
const expectedPrice = (input: SuggestionInputs, productId: string): Minor | undefined => {
  const product = input.products.find((p) => p.product_id === productId)
  if (product === undefined || product.status !== "ACTIVE") return undefined
  const available = (variant: string | undefined) =>
    input.availability.some((a) => a.product_id === productId && a.variant_id === variant && a.available)
  if (product.variants === undefined) return available(undefined) ? product.price : undefined
  const prices = product.variants.filter((v) => available(v.variant_id)).map((v) => v.price)
  return prices.length === 0 ? undefined : minor(Math.min(...prices))
}

const listTypes = ["COMPLEMENTARY", "THRESHOLD_BASED", "UPSELL", "REMINDER"] as const
type ListType = (typeof listTypes)[number]
const capacity = (type: ListType) => (type === "THRESHOLD_BASED" ? MAX_THRESHOLD_ITEMS : MAX_GROUP_ITEMS)

/** Every group a product could go to, with its weighted score there. */
const claimsOf = (input: SuggestionInputs, weights: SuggestionWeights): Map<string, Map<ListType, number>> => {
  const claims = new Map<string, Map<ListType, number>>()
  const best = new Map<string, number>()
  const threshold = input.thresholdOffers
    .map((o) => o.target_amount)
    .filter((t) => t > input.cart.currentAmount)
    .sort((a, b) => a - b)[0]
  for (const [type, candidates] of [
    ["COMPLEMENTARY", input.complementary],
    ["UPSELL", input.upsells],
    ["REMINDER", input.reminders]
  ] as const) {
    for (const c of candidates) {
      if (input.cart.productIds.includes(c.product_id) || expectedPrice(input, c.product_id) === undefined) continue
      best.set(c.product_id, Math.max(best.get(c.product_id) ?? 0, c.score))
      if (weights[type] <= 0) continue
      const mine = claims.get(c.product_id) ?? new Map<ListType, number>()
      mine.set(type, Math.max(mine.get(type) ?? 0, c.score * weights[type]))
      claims.set(c.product_id, mine)
    }
  }
  if (threshold !== undefined && weights.THRESHOLD_BASED > 0) {
    for (const [id, score] of best) {
      if ((expectedPrice(input, id) ?? 0) < threshold - input.cart.currentAmount) continue
      const mine = claims.get(id) ?? new Map<ListType, number>()
      mine.set("THRESHOLD_BASED", score * weights.THRESHOLD_BASED)
      claims.set(id, mine)
    }
  }
  return claims
}

/** A deterministic shuffle, so a failing permutation can be replayed from fast-check's seed. */
const shuffle = <A>(values: ReadonlyArray<A>, seed: number): Array<A> => {
  const out = [...values]
  let state = seed >>> 0
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    const j = state % (i + 1)
    const a = out[i]
    const b = out[j]
    if (a === undefined || b === undefined) continue
    out[i] = b
    out[j] = a
  }
  return out
}

const RUNS = { numRuns: 500 }

describe("assembleSuggestions properties", () => {
  it("never suggests a cart product outside a bundle, nor a product twice across groups", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        const { suggestions } = assembleSuggestions(input, weights)
        const listed = suggestions.filter((s) => s.type !== "BUNDLE").flatMap((s) => s.items.map((i) => i.product_id))
        for (const id of listed) expect(input.cart.productIds).not.toContain(id)
        expect(new Set(listed).size).toBe(listed.length)
      }),
      RUNS
    )
  })

  it("never suggests an inactive, unknown or out-of-stock product, and shows what it sells for", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        for (const item of assembleSuggestions(input, weights).suggestions.flatMap((s) => s.items)) {
          const price = expectedPrice(input, item.product_id)
          expect(price).toBeDefined()
          expect(item.price).toBe(price)
        }
      }),
      RUNS
    )
  })

  it("keeps groups within their limits, in the seed's order, and counts exactly", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        const { suggestions, meta } = assembleSuggestions(input, weights)
        for (const s of suggestions) {
          expect(s.items.length).toBeLessThanOrEqual(s.type === "THRESHOLD_BASED" ? MAX_THRESHOLD_ITEMS : MAX_GROUP_ITEMS)
          if (s.type !== "THRESHOLD_BASED") expect(s.items.length).toBeGreaterThan(0)
        }
        const ranks = suggestions.map((s) => suggestionTypeOrder.indexOf(s.type))
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
        expect(suggestions.filter((s) => s.type === "BUNDLE").length).toBeLessThanOrEqual(MAX_GROUP_ITEMS)
        for (const type of listTypes) expect(suggestions.filter((s) => s.type === type).length).toBeLessThanOrEqual(1)
        expect(meta.total_suggestions).toBe(suggestions.reduce((n, s) => n + s.items.length, 0))
        expect(meta.suggestion_types).toEqual(suggestionTypeOrder.filter((t) => typesOf(suggestions).includes(t)))
        for (const type of suggestionTypeOrder) {
          if (weights[type] <= 0) expect(meta.suggestion_types).not.toContain(type)
        }
      }),
      RUNS
    )
  })

  it("offers the nearest free-delivery target with exact amounts and the cheapest products clearing it", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        const threshold = group(assembleSuggestions(input, weights).suggestions, "THRESHOLD_BASED")
        const targets = input.thresholdOffers.map((o) => o.target_amount).filter((t) => t > input.cart.currentAmount)
        if (targets.length === 0 || weights.THRESHOLD_BASED <= 0) {
          expect(threshold).toBeUndefined()
          return
        }
        const target = Math.min(...targets)
        expect(threshold?.threshold).toEqual({
          target_amount: target,
          current_amount: input.cart.currentAmount,
          remaining_amount: target - input.cart.currentAmount,
          benefit: "FREE_DELIVERY"
        })
        const prices = (threshold?.items ?? []).map((i) => i.price ?? -1)
        for (const price of prices) expect(price).toBeGreaterThanOrEqual(target - input.cart.currentAmount)
        expect(prices).toEqual([...prices].sort((a, b) => a - b))
      }),
      RUNS
    )
  })

  it("prices every bundle exactly: savings = Σ item prices − bundle price, and offers only bundles that save", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        for (const s of assembleSuggestions(input, weights).suggestions.filter((x) => x.type === "BUNDLE")) {
          const source = input.bundles.find((b) => b.bundle_id === s.bundle?.bundle_id)
          expect(s.items.map((i) => i.product_id)).toEqual(source?.product_ids)
          const full = s.items.reduce((n, i) => n + (i.price ?? 0), 0)
          expect(s.bundle?.bundle_price).toBe(source?.bundle_price)
          expect(s.bundle?.savings).toBe(full - (source?.bundle_price ?? 0))
          expect(s.bundle?.savings).toBeGreaterThan(0)
          expect(s.items.some((i) => !input.cart.productIds.includes(i.product_id))).toBe(true)
        }
      }),
      RUNS
    )
  })

  it("places each product in its best group unless that group is full, and leaves one out only when all its groups are full", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, (input, weights) => {
        const { suggestions } = assembleSuggestions(input, weights)
        const placedIn = new Map<string, ListType>()
        const sizes = new Map<ListType, number>()
        for (const s of suggestions) {
          if (s.type === "BUNDLE") continue
          sizes.set(s.type, s.items.length)
          for (const item of s.items) placedIn.set(item.product_id, s.type)
        }
        const full = (type: ListType) => (sizes.get(type) ?? 0) >= capacity(type)
        for (const [id, claims] of claimsOf(input, weights)) {
          const home = placedIn.get(id)
          // A group it scores strictly better in (or any, when it was left out) must have had no room.
          const better = [...claims].filter(([type, w]) => type !== home && (home === undefined || w > (claims.get(home) ?? -1)))
          for (const [type] of better) expect(full(type)).toBe(true)
          if (home !== undefined) expect(claims.has(home)).toBe(true)
        }
        for (const id of placedIn.keys()) expect(claimsOf(input, weights).has(id)).toBe(true)
      }),
      RUNS
    )
  })

  it("is deterministic: the order sources list things in changes nothing, equal scores go by product id", () => {
    fc.assert(
      fc.property(inputsArb, weightsArb, fc.integer(), (input, weights, seed) => {
        // Two bundles under one id make "which one" a matter of order; a service sends each once.
        const bundles = input.bundles.filter((b, i) => input.bundles.findIndex((x) => x.bundle_id === b.bundle_id) === i)
        const shuffled: SuggestionInputs = {
          ...input,
          complementary: shuffle(input.complementary, seed),
          upsells: shuffle(input.upsells, seed + 1),
          reminders: shuffle(input.reminders, seed + 2),
          bundles: shuffle(bundles, seed + 3),
          thresholdOffers: shuffle(input.thresholdOffers, seed + 4),
          products: shuffle(input.products, seed + 5),
          availability: shuffle(input.availability, seed + 6)
        }
        const answer = assembleSuggestions({ ...input, bundles }, weights)
        expect(assembleSuggestions(shuffled, weights)).toEqual(answer)
        const claims = claimsOf(input, weights)
        for (const s of answer.suggestions) {
          const type = s.type
          if (type === "BUNDLE" || type === "THRESHOLD_BASED") continue
          const keys = s.items.map((i) => [-(claims.get(i.product_id)?.get(type) ?? 0), i.product_id] as const)
          const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
          expect(keys).toEqual(sorted)
        }
      }),
      RUNS
    )
  })
})
