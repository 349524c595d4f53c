import type { ProductId } from "../domain/Ids.ts"
import { type Currency, divideHalfUp, format, type Minor, minor, sum } from "../domain/Money.ts"
import {
  type ReminderSource,
  type Suggestion,
  type SuggestionItem,
  type SuggestionsMeta,
  type SuggestionType,
  suggestionTypeOrder
} from "../domain/Suggestion.ts"
import type { Availability } from "../services/Inventory.ts"
import type { Bundle, ThresholdOffer } from "../services/Marketing.ts"
import type { Product } from "../services/Product.ts"
import type { Candidate } from "../services/Recommendations.ts"
import type { SuggestionWeights } from "./SuggestionWeights.ts"

/** DESIGN §8: a group lists at most this many products (bundles: at most this many bundles). */
export const MAX_GROUP_ITEMS = 5
/** DESIGN §8: the free-delivery group offers at most this many products. */
export const MAX_THRESHOLD_ITEMS = 3

/** Everything steps 1–8 learnt; a degraded source simply contributes nothing. */
export interface SuggestionInputs {
  readonly cart: {
    readonly currency: Currency
    /** The products on the cart's lines: never suggested again, except inside a bundle. */
    readonly productIds: ReadonlyArray<ProductId>
    /** Subtotal + discount (≤ 0): what free-delivery thresholds are measured against. */
    readonly currentAmount: Minor
  }
  readonly complementary: ReadonlyArray<Candidate>
  readonly upsells: ReadonlyArray<Candidate>
  readonly reminders: ReadonlyArray<Candidate>
  readonly bundles: ReadonlyArray<typeof Bundle.Type>
  readonly thresholdOffers: ReadonlyArray<typeof ThresholdOffer.Type>
  readonly products: ReadonlyArray<Product>
  readonly availability: ReadonlyArray<Availability>
  /** Steps named as the trace names them, passed through to `meta`. */
  readonly degradedSources: ReadonlyArray<string>
}

export interface AssembledSuggestions {
  readonly suggestions: Array<Suggestion>
  readonly meta: SuggestionsMeta
}

type ListType = Exclude<SuggestionType, "BUNDLE">

/** A product's place in one group: what it would show there and how relevant it is there. */
interface Claim {
  readonly type: ListType
  readonly productId: ProductId
  readonly price: Minor
  readonly score: number
  readonly weighted: number
  readonly item: SuggestionItem
}

const typeRank = (type: SuggestionType): number => suggestionTypeOrder.indexOf(type)

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const stockKey = (productId: string, variantId: string | undefined) => `${productId}\u0000${variantId ?? ""}`

/**
 * What a product sells for now, or undefined when it cannot be sold: inactive, unpriced, or out
 * of stock. A product with variants is offered from its cheapest variant in stock, so any variant
 * the customer then picks costs at least the price shown (and still clears a threshold).
 */
const sellingPrice = (product: Product, inStock: ReadonlySet<string>): Minor | undefined => {
  if (product.status !== "ACTIVE") return undefined
  if (product.variants === undefined || product.variants.length === 0) {
    return product.price !== undefined && inStock.has(stockKey(product.product_id, undefined)) ? product.price : undefined
  }
  const prices = product.variants.filter((v) => inStock.has(stockKey(product.product_id, v.variant_id))).map((v) => v.price)
  return prices.length === 0 ? undefined : minor(Math.min(...prices))
}

const sourceRank = (source: ReminderSource | undefined): number =>
  source === "WISHLIST" ? 0 : source === "RECENTLY_VIEWED" ? 1 : 2

/**
 * Orders one source's candidates for the same product so that the choice of which one speaks for
 * the product does not depend on the order the service listed them in.
 */
const betterCandidate = (a: Candidate, b: Candidate): number =>
  b.score - a.score || sourceRank(a.source) - sourceRank(b.source) || byId(a.reason ?? "", b.reason ?? "")

const bestPerProduct = (candidates: ReadonlyArray<Candidate>): Map<ProductId, Candidate> => {
  const best = new Map<ProductId, Candidate>()
  for (const candidate of candidates) {
    const current = best.get(candidate.product_id)
    if (current === undefined || betterCandidate(candidate, current) < 0) best.set(candidate.product_id, candidate)
  }
  return best
}

/** "₹99", "₹450.50", "USD 12.30": titles, from minor units without floats. */
export const formatMoney = (amount: Minor, currency: Currency): string => {
  const text = format(amount)
  const shown = text.endsWith(".00") ? text.slice(0, -3) : text
  return currency === "INR" ? `₹${shown}` : `${currency} ${shown}`
}

/** The group a product is better in sorts first; ties go to the earlier type in the seed's order. */
const preference = (a: Claim, b: Claim): number => b.weighted - a.weighted || typeRank(a.type) - typeRank(b.type)

/**
 * Who a full group keeps. Ranked lists keep the most relevant; the free-delivery group keeps the
 * cheapest products that clear the remainder (the least the customer must add). Product id last,
 * so equal scores always come out in the same order.
 */
const priority = (type: ListType) => (a: Claim, b: Claim): number =>
  (type === "THRESHOLD_BASED" ? a.price - b.price : 0) ||
  b.weighted - a.weighted ||
  b.score - a.score ||
  byId(a.productId, b.productId)

const capacityOf = (type: ListType): number => (type === "THRESHOLD_BASED" ? MAX_THRESHOLD_ITEMS : MAX_GROUP_ITEMS)

/**
 * Places every product in at most one group (DESIGN §8 "dedupe keeping the best-scored source").
 * Products ask for their best group first; a full group keeps the claims it ranks higher and
 * turns the others away, and a product turned away tries its next best group (deferred
 * acceptance). So a product lands in its best group whenever that group has room for it, is
 * never shown twice, and the result does not depend on the order claims were listed in.
 */
const placeClaims = (claims: ReadonlyArray<Claim>): Map<ListType, Array<Claim>> => {
  const wishes = new Map<ProductId, Array<Claim>>()
  for (const claim of claims) {
    const list = wishes.get(claim.productId) ?? []
    list.push(claim)
    wishes.set(claim.productId, list)
  }
  for (const list of wishes.values()) list.sort(preference)

  const held = new Map<ListType, Array<Claim>>()
  const waiting = [...wishes.keys()].sort(byId)
  const asked = new Map<ProductId, number>()
  for (let productId = waiting.shift(); productId !== undefined; productId = waiting.shift()) {
    const next = asked.get(productId) ?? 0
    const claim = wishes.get(productId)?.[next]
    if (claim === undefined) continue
    asked.set(productId, next + 1)
    const group = [...(held.get(claim.type) ?? []), claim].sort(priority(claim.type))
    const turnedAway = group.length > capacityOf(claim.type) ? group.pop() : undefined
    held.set(claim.type, group)
    if (turnedAway !== undefined) waiting.push(turnedAway.productId)
  }
  return held
}

const titles: Record<Exclude<ListType, "THRESHOLD_BASED">, string> = {
  COMPLEMENTARY: "Frequently Bought Together",
  UPSELL: "Upgrade Your Items",
  REMINDER: "Did You Forget?"
}

interface PricedBundle {
  readonly suggestion: Suggestion
  readonly full: Minor
  readonly savings: Minor
}

/**
 * A bundle is offered whole or not at all: every product in it must be sellable now, it must add
 * something to the cart, save money, and fit in one group. Its products may be in the cart already
 * (completing a kit is the point) and may also be suggested on their own elsewhere.
 */
const priceBundle = (
  bundle: typeof Bundle.Type,
  cart: SuggestionInputs["cart"],
  sellable: ReadonlyMap<ProductId, { readonly product: Product; readonly price: Minor }>
): PricedBundle | undefined => {
  if (bundle.product_ids.length === 0 || bundle.product_ids.length > MAX_GROUP_ITEMS) return undefined
  if (bundle.product_ids.every((id) => cart.productIds.includes(id))) return undefined
  const members = bundle.product_ids.map((id) => sellable.get(id))
  const items: Array<SuggestionItem> = []
  for (const member of members) {
    if (member === undefined) return undefined
    items.push({ product_id: member.product.product_id, name: member.product.name, price: member.price })
  }
  const full = sum(items.map((i) => i.price ?? 0))
  const savings = minor(full - bundle.bundle_price)
  if (savings <= 0) return undefined
  const percent = divideHalfUp(BigInt(savings) * 100n, BigInt(full))
  return {
    full,
    savings,
    suggestion: {
      type: "BUNDLE",
      title: percent >= 1 ? `Bundle Deal - Save ${percent}%` : `Bundle Deal - Save ${formatMoney(savings, cart.currency)}`,
      bundle: { bundle_id: bundle.bundle_id, name: bundle.name, bundle_price: bundle.bundle_price, savings },
      items
    }
  }
}

/** The best saving relative to the kit's full price first, then by id. Cross-multiplied in BigInt: exact. */
const betterBundle = (a: PricedBundle, b: PricedBundle): number => {
  const left = BigInt(b.savings) * BigInt(a.full)
  const right = BigInt(a.savings) * BigInt(b.full)
  return left > right ? 1 : left < right ? -1 : byId(a.suggestion.bundle?.bundle_id ?? "", b.suggestion.bundle?.bundle_id ?? "")
}

/**
 * Step 9 of GET /cart/suggestions (DESIGN §4, §8): combines the sources' candidates into the
 * seed's groups. Pure: the same inputs give the same answer, whatever order the sources listed
 * things in.
 */
export const assembleSuggestions = (inputs: SuggestionInputs, weights: SuggestionWeights): AssembledSuggestions => {
  const { cart } = inputs
  const inCart = new Set<string>(cart.productIds)
  const inStock = new Set(inputs.availability.filter((a) => a.available).map((a) => stockKey(a.product_id, a.variant_id)))
  const sellable = new Map<ProductId, { readonly product: Product; readonly price: Minor }>()
  for (const product of inputs.products) {
    const price = sellingPrice(product, inStock)
    if (price !== undefined && !sellable.has(product.product_id)) sellable.set(product.product_id, { product, price })
  }

  const claims: Array<Claim> = []
  const sources = [
    ["COMPLEMENTARY", bestPerProduct(inputs.complementary)],
    ["UPSELL", bestPerProduct(inputs.upsells)],
    ["REMINDER", bestPerProduct(inputs.reminders)]
  ] as const
  // What the free-delivery group ranks a product by: its best score from any source.
  const bestScore = new Map<ProductId, number>()
  for (const [type, best] of sources) {
    for (const [productId, candidate] of best) {
      const found = sellable.get(productId)
      if (found === undefined || inCart.has(productId)) continue
      bestScore.set(productId, Math.max(bestScore.get(productId) ?? 0, candidate.score))
      if (weights[type] <= 0) continue
      claims.push({
        type,
        productId,
        price: found.price,
        score: candidate.score,
        weighted: candidate.score * weights[type],
        item: {
          product_id: productId,
          name: found.product.name,
          price: found.price,
          ...(candidate.reason === undefined ? {} : { reason: candidate.reason }),
          ...(type === "REMINDER" && candidate.source !== undefined ? { source: candidate.source } : {})
        }
      })
    }
  }

  // The nearest free-delivery target still above the cart: the one a customer can reach soonest.
  const currentAmount = minor(Math.max(0, cart.currentAmount))
  const offer =
    weights.THRESHOLD_BASED <= 0
      ? undefined
      : inputs.thresholdOffers
          .filter((o) => o.benefit === "FREE_DELIVERY" && o.target_amount > currentAmount)
          .sort((a, b) => a.target_amount - b.target_amount || byId(a.promotion_id, b.promotion_id))[0]
  const remaining = offer === undefined ? undefined : minor(offer.target_amount - currentAmount)
  if (remaining !== undefined) {
    for (const [productId, score] of bestScore) {
      const found = sellable.get(productId)
      if (found === undefined || found.price < remaining) continue
      claims.push({
        type: "THRESHOLD_BASED",
        productId,
        price: found.price,
        score,
        weighted: score * weights.THRESHOLD_BASED,
        item: { product_id: productId, name: found.product.name, price: found.price }
      })
    }
  }

  const placed = placeClaims(claims)
  const listOf = (type: ListType) => (placed.get(type) ?? []).map((claim) => claim.item)

  const bundles =
    weights.BUNDLE <= 0
      ? []
      : inputs.bundles
          .filter((bundle, index) => inputs.bundles.findIndex((b) => b.bundle_id === bundle.bundle_id) === index)
          .flatMap((bundle) => {
            const priced = priceBundle(bundle, cart, sellable)
            return priced === undefined ? [] : [priced]
          })
          .sort(betterBundle)
          .slice(0, MAX_GROUP_ITEMS)
          .map((b) => b.suggestion)

  const suggestions: Array<Suggestion> = []
  const list = (type: Exclude<ListType, "THRESHOLD_BASED">) => {
    const items = listOf(type)
    if (items.length > 0) suggestions.push({ type, title: titles[type], items })
  }
  list("COMPLEMENTARY")
  // Shown even when no product clears the remainder: how much is missing is worth telling by itself.
  if (offer !== undefined && remaining !== undefined) {
    suggestions.push({
      type: "THRESHOLD_BASED",
      title: `Add ${formatMoney(remaining, cart.currency)} more for FREE Delivery!`,
      threshold: {
        target_amount: offer.target_amount,
        current_amount: currentAmount,
        remaining_amount: remaining,
        benefit: "FREE_DELIVERY"
      },
      items: listOf("THRESHOLD_BASED")
    })
  }
  suggestions.push(...bundles)
  list("UPSELL")
  list("REMINDER")

  return {
    suggestions,
    meta: {
      total_suggestions: suggestions.reduce((n, s) => n + s.items.length, 0),
      suggestion_types: suggestionTypeOrder.filter((type) => suggestions.some((s) => s.type === type)),
      degraded_sources: [...inputs.degradedSources]
    }
  }
}
