import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { LineItem } from "../../src/domain/Cart.ts"
import { applyOperations, keyOfLine } from "../../src/domain/CartLines.ts"
import { AddonId, ItemId, ProductId, StoreId, VariantId } from "../../src/domain/Ids.ts"
import { minor } from "../../src/domain/Money.ts"
import { MAX_LINES, MAX_QUANTITY } from "../../src/domain/Operation.ts"
import { catalogView } from "../../src/flows/checkOperations.ts"
import { planGuestMerge } from "../../src/flows/mergeGuestCart.ts"
import type { Product } from "../../src/services/Product.ts"
import type { Availability } from "../../src/services/Inventory.ts"

const addonIds = [AddonId.make("gift_box"), AddonId.make("engraving")]
const variantIds = [VariantId.make("v1"), VariantId.make("v2")]

/** A catalogue of 6 products (one with variants), each with a random limit, stock and status, plus fillers. */
const Catalogue = fc.record({
  limits: fc.array(fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), { minLength: 6, maxLength: 6 }),
  stock: fc.array(fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), { minLength: 7, maxLength: 7 }),
  inactive: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }).map((flags) => flags.map((flag, i) => flag && i === 5))
})
type Catalogue = typeof Catalogue extends fc.Arbitrary<infer A> ? A : never

const LineSpec = fc.record({
  product: fc.integer({ min: 0, max: 5 }),
  variant: fc.integer({ min: 0, max: 1 }),
  addons: fc.subarray(addonIds),
  quantity: fc.integer({ min: 1, max: MAX_QUANTITY })
})
type LineSpec = typeof LineSpec extends fc.Arbitrary<infer A> ? A : never

const productId = (i: number) => ProductId.make(`p${i}`)
const hasVariants = (i: number) => i === 0

const linesOf = (specs: ReadonlyArray<LineSpec>, prefix: string): ReadonlyArray<LineItem> => {
  const seen = new Set<string>()
  const lines: Array<LineItem> = []
  for (const spec of specs) {
    const line: LineItem = {
      item_id: ItemId.make(`${prefix}_${lines.length}`),
      product_id: productId(spec.product),
      ...(hasVariants(spec.product) ? { variant_id: variantIds[spec.variant]! } : {}),
      addons: spec.addons.map((addon_id) => ({ addon_id })),
      quantity: spec.quantity
    }
    // A cart holds one line per product + variant + addon set.
    if (seen.has(keyOfLine(line))) continue
    seen.add(keyOfLine(line))
    lines.push(line)
  }
  return lines
}

const fillers = (count: number): ReadonlyArray<LineItem> =>
  Array.from({ length: count }, (_, i) => ({ item_id: ItemId.make(`filler_${i}`), product_id: ProductId.make(`filler${i}`), addons: [], quantity: 1 }))

const viewOf = (catalogue: Catalogue) => {
  const products: Array<Product> = catalogue.limits.map((limit, i) => ({
    product_id: productId(i),
    store_id: StoreId.make("store_open"),
    name: `p${i}`,
    status: catalogue.inactive[i] ? "INACTIVE" : "ACTIVE",
    ...(limit === undefined ? {} : { max_per_order: limit }),
    ...(hasVariants(i) ? { variants: variantIds.map((variant_id) => ({ variant_id, name: variant_id, price: minor(100) })) } : { price: minor(100) }),
    addons: addonIds.map((addon_id) => ({ addon_id, name: addon_id, price: minor(10) }))
  }))
  const fillerProducts: Array<Product> = Array.from({ length: MAX_LINES }, (_, i) => ({
    product_id: ProductId.make(`filler${i}`),
    store_id: StoreId.make("store_open"),
    name: `filler${i}`,
    status: "ACTIVE",
    price: minor(1)
  }))
  // Stock per product + variant: p0 has two variants (stock[0] and stock[6]), the others none.
  const availability: Array<Availability> = catalogue.stock.flatMap((stock, i): ReadonlyArray<Availability> => {
    if (stock === undefined) return []
    const product = i === 6 ? 0 : i
    const variant = hasVariants(product) ? { variant_id: variantIds[i === 6 ? 1 : 0]! } : {}
    return [{ product_id: productId(product), ...variant, requested: 0, quantity_available: stock, available: stock > 0 }]
  })
  return {
    view: catalogView([...products, ...fillerProducts], availability, [{ store_id: StoreId.make("store_open"), name: "open", active: true, online: true }]),
    limitOf: (id: string) => products.find((p) => p.product_id === id)?.max_per_order,
    stockOf: (id: string, variant: string | undefined) =>
      availability.find((a) => a.product_id === id && (a.variant_id ?? undefined) === variant)?.quantity_available
  }
}

const totalOf = (lines: ReadonlyArray<LineItem>, id: string) => lines.filter((l) => l.product_id === id).reduce((n, l) => n + l.quantity, 0)

describe("planGuestMerge (issue 15): the guest's lines summed into the customer's, within the limits, nothing lost", () => {
  it("for every product, merged + reported as not merged = guest + customer; what was merged respects every limit", () => {
    fc.assert(
      fc.property(
        Catalogue,
        fc.array(LineSpec, { maxLength: 12 }),
        fc.array(LineSpec, { maxLength: 12 }),
        fc.integer({ min: 0, max: MAX_LINES }),
        (catalogue, customerSpecs, guestSpecs, fillerCount) => {
          const { view, limitOf, stockOf } = viewOf(catalogue)
          const customer = [...linesOf(customerSpecs, "c"), ...fillers(fillerCount)].slice(0, MAX_LINES)
          const guest = linesOf(guestSpecs, "g")
          const plan = planGuestMerge(customer, guest, view)

          // The cart service applies every operation of the plan: none is refused.
          let seq = 0
          const applied = applyOperations(customer, plan.operations, () => ItemId.make(`new_${++seq}`))
          expect(applied.results.every((r) => r.status === "SUCCESS")).toBe(true)
          const merged = applied.items

          // One report per guest line, in order; nothing reported merged that was not.
          expect(plan.lines.map((l) => l.product_id)).toEqual(guest.map((l) => l.product_id))
          for (const [i, line] of plan.lines.entries()) {
            expect(line.quantity_requested).toBe(guest[i]!.quantity)
            expect(line.quantity_merged).toBeGreaterThanOrEqual(0)
            expect(line.quantity_merged).toBeLessThanOrEqual(line.quantity_requested)
            const expected = line.quantity_merged === line.quantity_requested ? "MERGED" : line.quantity_merged > 0 ? "PARTIAL" : "NOT_MERGED"
            expect(line.status).toBe(expected)
            if (line.status !== "MERGED") expect(line.code).toBeDefined()
            if (line.status === "PARTIAL") expect(["QUANTITY_LIMIT", "OUT_OF_STOCK"]).toContain(line.code)
          }

          // Nothing lost: per product, merged + not merged = customer + guest.
          const products = new Set([...customer, ...guest].map((l) => l.product_id as string))
          for (const id of products) {
            const unfit = plan.lines.filter((l) => l.product_id === id).reduce((n, l) => n + l.quantity_requested - l.quantity_merged, 0)
            expect(totalOf(merged, id) + unfit).toBe(totalOf(customer, id) + totalOf(guest, id))
          }

          // Within the limits: every product the merge added to, at most max_per_order and the stock; 99 a line; 100 lines.
          for (const line of plan.lines.filter((l) => l.quantity_merged > 0)) {
            const limit = limitOf(line.product_id)
            if (limit !== undefined) expect(totalOf(merged, line.product_id)).toBeLessThanOrEqual(limit)
            const stock = stockOf(line.product_id, line.variant_id)
            const ofVariant = merged.filter((l) => l.product_id === line.product_id && l.variant_id === line.variant_id)
            if (stock !== undefined) expect(ofVariant.reduce((n, l) => n + l.quantity, 0)).toBeLessThanOrEqual(stock)
          }
          for (const line of merged) expect(line.quantity).toBeLessThanOrEqual(MAX_QUANTITY)
          if (merged.length > customer.length) expect(merged.length).toBeLessThanOrEqual(MAX_LINES)

          // As much as fits: one more of a line cut short for its quantity would not pass.
          for (const [i, line] of plan.lines.entries()) {
            if (line.status === "MERGED" || (line.code !== "QUANTITY_LIMIT" && line.code !== "OUT_OF_STOCK")) continue
            const more = planGuestMerge(customer, guest.map((g, j) => (j === i ? { ...g, quantity: line.quantity_merged + 1 } : g)), view)
            expect(more.lines[i]!.quantity_merged).toBe(line.quantity_merged)
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it("sums a guest line into the customer's line of the same product, variant and addons; another addon set is another line", () => {
    const { view } = viewOf({ limits: Array(6).fill(undefined), stock: Array(7).fill(undefined), inactive: Array(6).fill(false) })
    const customer = linesOf([{ product: 1, variant: 0, addons: [], quantity: 2 }], "c")
    const guest = linesOf(
      [
        { product: 1, variant: 0, addons: [], quantity: 3 },
        { product: 1, variant: 0, addons: [addonIds[0]!], quantity: 1 }
      ],
      "g"
    )
    const plan = planGuestMerge(customer, guest, view)
    const merged = applyOperations(customer, plan.operations, () => ItemId.make("new")).items
    expect(merged.map((l) => [l.quantity, l.addons.length])).toEqual([
      [5, 0],
      [1, 1]
    ])
  })
})
