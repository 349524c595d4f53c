import { Effect, Option } from "effect"
import type { ProductId } from "../domain/Ids.ts"
import { minor } from "../domain/Money.ts"
import type { ApiError } from "../domain/Errors.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { unique } from "../flows/cartContext.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { StockLine } from "../services/Inventory.ts"
import type { ThresholdOffer } from "../services/Marketing.ts"
import type { Product } from "../services/Product.ts"
import type { Candidate } from "../services/Recommendations.ts"
import { assembleSuggestions } from "./assembleSuggestions.ts"
import type { SourceAnswer, SuggestionSteps } from "./suggestionSteps.ts"
import type { SuggestionsResponse } from "./SuggestionsResponse.ts"
import type { SuggestionWeights } from "./SuggestionWeights.ts"

/**
 * Suggestions are about a cart. Without one (or with an empty one) there is nothing to complete,
 * upgrade or bundle, and no threshold to reach — so nothing is suggested, not even reminders:
 * wishlist and recently viewed belong to the storefront's own pages, and this keeps a GET from a
 * browsing guest down to one call.
 */
const noSuggestions: SuggestionsResponse = {
  success: true,
  suggestions: [],
  meta: { total_suggestions: 0, suggestion_types: [], degraded_sources: [] }
}

/** A guest has no wishlist or history the reminders contract can look up: the source is not asked. */
const noReminders = Effect.succeed<SourceAnswer<ReadonlyArray<Candidate>>>({
  step: "recommendations.reminders",
  answer: Option.some([])
})

/**
 * A cart changed since its last computation (the lite flows) carries the totals of an older
 * version: measured against them, "add ₹X more" could be wrong either way, so no threshold is
 * offered until the cart is computed again. Not a failure, so not a degraded source.
 */
const notMeasurable = Effect.succeed<SourceAnswer<ReadonlyArray<typeof ThresholdOffer.Type>>>({
  step: "marketing.thresholdOffers",
  answer: Option.some([])
})

/** One line per thing that could be sold: each variant of a product with variants, else the product. */
const stockLinesOf = (products: ReadonlyArray<Product>): Array<StockLine> =>
  products
    .filter((p) => p.status === "ACTIVE")
    .flatMap((p) =>
      p.variants === undefined || p.variants.length === 0
        ? [{ product_id: p.product_id, quantity: 1 }]
        : p.variants.map((v) => ({ product_id: p.product_id, variant_id: v.variant_id, quantity: 1 }))
    )

const degradedOf = (sources: ReadonlyArray<SourceAnswer<unknown>>): Array<string> =>
  sources.filter((source) => Option.isNone(source.answer)).map((source) => source.step)

const orEmpty = <A>(source: SourceAnswer<ReadonlyArray<A>>): ReadonlyArray<A> => Option.getOrElse(source.answer, () => [])

/**
 * GET /cart/suggestions: DESIGN §4, 9 steps.
 * 1 cart get → ‖ 2 complementary, 3 bundles, 4 upsells, 5 threshold offers, 6 reminders →
 * 7 products search → 8 inventory check → 9 assemble & rank.
 * Steps 2–6 are optional: a source that fails or runs out of its time is left out and named in
 * `meta.degraded_sources`. Steps 1, 7 and 8 are critical: without products and stock nothing
 * could be suggested truthfully. Thresholds are measured against the cart's computed totals
 * (subtotal + discount): this flow reads the cart, it does not recompute it.
 */
export const getSuggestions =
  (steps: SuggestionSteps, weights: SuggestionWeights) =>
  (scope: CartScope): Effect.Effect<SuggestionsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const found = yield* steps.findCart(scope) // 1
      if (Option.isNone(found) || found.value.items.length === 0) return noSuggestions
      const cart = found.value
      const cartProductIds = unique(cart.items.map((item) => item.product_id))
      const currentAmount = minor(Math.max(0, cart.totals.subtotal + cart.totals.discount))

      const sources = yield* Effect.all(
        {
          complementary: steps.complementary(cartProductIds), // 2
          bundles: steps.bundles(cartProductIds), // 3
          upsells: steps.upsells(cartProductIds), // 4
          thresholdOffers: cart.computed ? steps.thresholdOffers(currentAmount) : notMeasurable, // 5
          reminders: scope.owner._tag === "Customer" ? steps.reminders(scope.owner.customerId) : noReminders // 6
        },
        { concurrency: "unbounded" }
      )
      const complementary = orEmpty(sources.complementary)
      const bundles = orEmpty(sources.bundles)
      const upsells = orEmpty(sources.upsells)
      const reminders = orEmpty(sources.reminders)

      // A cart product is only ever shown again inside a bundle, so only bundles need it looked up.
      const inCart = new Set<string>(cartProductIds)
      const candidateIds = unique<ProductId>([
        ...[...complementary, ...upsells, ...reminders].map((c) => c.product_id).filter((id) => !inCart.has(id)),
        ...bundles.flatMap((b) => b.product_ids)
      ])
      const products = candidateIds.length === 0 ? [] : yield* steps.searchProducts(candidateIds) // 7
      const stockLines = stockLinesOf(products)
      const availability = stockLines.length === 0 ? [] : yield* steps.checkAvailability(stockLines) // 8

      const { suggestions, meta } = assembleSuggestions(
        {
          cart: { currency: cart.currency, productIds: cartProductIds, currentAmount },
          complementary,
          upsells,
          reminders,
          bundles,
          thresholdOffers: orEmpty(sources.thresholdOffers),
          products,
          availability,
          degradedSources: degradedOf(Object.values(sources))
        },
        weights
      ) // 9
      return { success: true, suggestions, meta } as const
    })
