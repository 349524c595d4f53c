import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CustomerId, ProductId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeRecommendationsSimulator } from "../../src/simulators/RecommendationsSimulator.ts"

const ids = (...ps: ReadonlyArray<string>) => ps.map((p) => ProductId.make(p))

describe("RecommendationsSimulator", () => {
  it.effect("concatenates each product's complementary candidates", () =>
    Effect.gen(function* () {
      const recommendations = yield* makeRecommendationsSimulator(demoCatalog)
      const { candidates } = yield* recommendations.operations.complementary({
        payload: { product_ids: ids("prod_phone", "prod_mug", "prod_tshirt") }
      })
      assert.deepStrictEqual<unknown>(candidates, [
        { product_id: "prod_case", score: 0.8, reason: "80% of customers bought this" },
        { product_id: "prod_screen", score: 0.7, reason: "70% of customers bought this" },
        { product_id: "prod_earbuds", score: 0.4, reason: "Often bought together" },
        { product_id: "prod_mug", score: 0.3, reason: "Often bought together" }
      ])
    })
  )

  it.effect("gives upsells per product, and nothing for products without any", () =>
    Effect.gen(function* () {
      const recommendations = yield* makeRecommendationsSimulator(demoCatalog)
      const { candidates } = yield* recommendations.operations.upsells({ payload: { product_ids: ids("prod_case", "prod_phone") } })
      assert.deepStrictEqual<unknown>(candidates, [{ product_id: "prod_premium_case", score: 0.6, reason: "Better durability" }])
    })
  )

  it.effect("reminds cust_1 of the wishlist first, then of recently viewed products", () =>
    Effect.gen(function* () {
      const recommendations = yield* makeRecommendationsSimulator(demoCatalog)
      const { candidates } = yield* recommendations.operations.reminders({ payload: { customer_id: CustomerId.make("cust_1") } })
      assert.deepStrictEqual<unknown>(
        candidates.map((c) => [c.product_id, c.source, c.score]),
        [
          ["prod_earbuds", "WISHLIST", 0.5],
          ["prod_powerbank", "RECENTLY_VIEWED", 0.4],
          ["prod_mug", "RECENTLY_VIEWED", 0.4]
        ]
      )
      assert.strictEqual(candidates[0]?.reason, "In your wishlist")
    })
  )

  it.effect("has no reminders for a guest, an unknown customer or one without history", () =>
    Effect.gen(function* () {
      const recommendations = yield* makeRecommendationsSimulator(demoCatalog)
      const answers = yield* Effect.all([
        recommendations.operations.reminders({ payload: {} }),
        recommendations.operations.reminders({ payload: { customer_id: CustomerId.make("cust_nope") } }),
        recommendations.operations.reminders({ payload: { customer_id: CustomerId.make("cust_2") } })
      ])
      assert.deepStrictEqual<unknown>(
        answers.map((a) => a.candidates),
        [[], [], []]
      )
    })
  )
})
