import { Effect } from "effect"
import type { ProductId } from "@orchestra/core/domain/Ids"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { Candidate, RecommendationsGroup } from "@orchestra/core/services/Recommendations"
import type { Catalog } from "../catalog/Catalog.ts"

export interface RecommendationsSimulator {
  readonly operations: Operations<typeof RecommendationsGroup>
}

type Scored = { readonly product_id: ProductId; readonly score: number; readonly reason?: string }

const toCandidate = (c: Scored): Candidate => ({
  product_id: c.product_id,
  score: c.score,
  ...(c.reason === undefined ? {} : { reason: c.reason })
})

/** Each product's candidates in request order; ranking and dedupe are the orchestrator's job. */
const candidatesFor = (table: Readonly<Record<string, ReadonlyArray<Scored>>>, productIds: ReadonlyArray<ProductId>) =>
  Effect.sync(() => ({ candidates: productIds.flatMap((id) => (table[id] ?? []).map(toCandidate)) }))

export const makeRecommendationsSimulator = (catalog: Catalog): Effect.Effect<RecommendationsSimulator> =>
  Effect.sync(() => {
    const customers = new Map(catalog.customers.map((c) => [c.customer_id, c]))
    return {
      operations: {
        complementary: ({ payload }) => candidatesFor(catalog.recommendations.complementary, payload.product_ids),
        upsells: ({ payload }) => candidatesFor(catalog.recommendations.upsells, payload.product_ids),
        reminders: ({ payload = {} }) =>
          Effect.sync(() => {
            const customer = payload.customer_id === undefined ? undefined : customers.get(payload.customer_id)
            if (customer === undefined) return { candidates: [] }
            const wishlist = customer.wishlist.map(
              (product_id): Candidate => ({ product_id, score: 0.5, reason: "In your wishlist", source: "WISHLIST" })
            )
            const viewed = customer.recently_viewed.map(
              (product_id): Candidate => ({ product_id, score: 0.4, reason: "You viewed this recently", source: "RECENTLY_VIEWED" })
            )
            return { candidates: [...wishlist, ...viewed] }
          })
      }
    }
  })
