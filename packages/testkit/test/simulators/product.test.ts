import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ProductId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeProductSimulator } from "../../src/simulators/ProductSimulator.ts"

const ids = (...ps: ReadonlyArray<string>) => ps.map((p) => ProductId.make(p))

describe("ProductSimulator", () => {
  it.effect("finds catalog products without their stock, in request order, and leaves unknown ids out", () =>
    Effect.gen(function* () {
      const product = yield* makeProductSimulator(demoCatalog)
      const { products } = yield* product.operations.search({ query: { product_ids: ids("prod_mug", "prod_nope", "prod_phone", "prod_mug") } })
      assert.deepStrictEqual<unknown>(products, [
        { product_id: "prod_mug", store_id: "store_456", name: "Ceramic Mug", status: "ACTIVE", price: 24_900 },
        {
          product_id: "prod_phone",
          store_id: "store_123",
          name: "Smartphone X",
          status: "ACTIVE",
          max_per_order: 3,
          variants: [
            { variant_id: "var_128gb", name: "128 GB", price: 1_999_900 },
            { variant_id: "var_256gb", name: "256 GB", price: 2_299_900 }
          ],
          addons: [
            { addon_id: "addon_warranty", name: "Extended Warranty", price: 99_900 },
            { addon_id: "addon_insurance", name: "Screen Insurance", price: 49_900 }
          ]
        }
      ])
      const many = yield* product.operations.searchMany({ payload: { product_ids: ids("prod_mug", "prod_nope", "prod_phone") } })
      assert.deepStrictEqual<unknown>(many.products, products)
      assert.deepStrictEqual<unknown>((yield* product.operations.search({ query: { product_ids: [] } })).products, [])
    })
  )

  it.effect("returns inactive products as they are: the orchestrator decides", () =>
    Effect.gen(function* () {
      const product = yield* makeProductSimulator(demoCatalog)
      const { products } = yield* product.operations.searchMany({ payload: { product_ids: ids("prod_retired") } })
      assert.strictEqual(products[0]?.status, "INACTIVE")
    })
  )

  it.effect("serves a price changed at runtime (the price changed since the cart was computed)", () =>
    Effect.gen(function* () {
      const product = yield* makeProductSimulator(demoCatalog)
      product.setPrice("prod_case", undefined, 34_900)
      product.setPrice("prod_phone", "var_256gb", 2_099_900)
      const { products } = yield* product.operations.search({ query: { product_ids: ids("prod_case", "prod_phone") } })
      assert.strictEqual(products[0]?.price, 34_900)
      assert.deepStrictEqual<unknown>(
        products[1]?.variants?.map((v) => v.price),
        [1_999_900, 2_099_900]
      )
      assert.throws(() => product.setPrice("prod_phone", undefined, 100), /per variant/)
      assert.throws(() => product.setPrice("prod_phone", "var_1tb", 100), /unknown variant/)
      assert.throws(() => product.setPrice("prod_nope", undefined, 100), /unknown product/)
      assert.throws(() => product.setPrice("prod_case", undefined, 12.5))
      // A fresh simulator starts again from the catalog.
      const fresh = yield* makeProductSimulator(demoCatalog)
      assert.strictEqual(fresh.productOf("prod_case")?.price, 29_900)
    })
  )

  it.effect("serves a status changed at runtime", () =>
    Effect.gen(function* () {
      const product = yield* makeProductSimulator(demoCatalog)
      product.setStatus("prod_earbuds", "INACTIVE")
      const { products } = yield* product.operations.search({ query: { product_ids: ids("prod_earbuds") } })
      assert.strictEqual(products[0]?.status, "INACTIVE")
    })
  )
})
