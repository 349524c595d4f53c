import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AddressId, DeliveryOptionId, StoreId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeShippingSimulator } from "../../src/simulators/ShippingSimulator.ts"

const rate = (option: string, stores: ReadonlyArray<string>, address?: string) => ({
  payload: {
    delivery_option_id: DeliveryOptionId.make(option),
    store_ids: stores.map((s) => StoreId.make(s)),
    ...(address === undefined ? {} : { address_id: AddressId.make(address) })
  }
})

describe("ShippingSimulator", () => {
  it.effect("charges express per store: two stores cost 198.00", () =>
    Effect.gen(function* () {
      const shipping = yield* makeShippingSimulator(demoCatalog)
      const express = yield* shipping.operations.calculateRate(rate("deliv_opt_express", ["store_123", "store_456"], "addr_456"))
      assert.deepStrictEqual<unknown>(express, {
        delivery_option_id: "deliv_opt_express",
        charges: [
          { store_id: "store_123", charge: 9_900 },
          { store_id: "store_456", charge: 9_900 }
        ],
        total: 19_800
      })
    })
  )

  it.effect("charges a store once however often it is listed, and nothing for no store", () =>
    Effect.gen(function* () {
      const shipping = yield* makeShippingSimulator(demoCatalog)
      const standard = yield* shipping.operations.calculateRate(rate("deliv_opt_123", ["store_123", "store_123"]))
      assert.strictEqual(standard.total, 5_000)
      assert.strictEqual(standard.charges.length, 1)
      const empty = yield* shipping.operations.calculateRate(rate("deliv_opt_123", []))
      assert.deepStrictEqual<unknown>([empty.charges, empty.total], [[], 0])
    })
  )

  it.effect("refuses an address it does not serve with NOT_SERVICEABLE", () =>
    Effect.gen(function* () {
      const shipping = yield* makeShippingSimulator(demoCatalog)
      const error = yield* Effect.flip(shipping.operations.calculateRate(rate("deliv_opt_123", ["store_123"], "addr_remote")))
      assert.strictEqual(error._tag, "ResourceConflict")
      assert.strictEqual(error._tag === "ResourceConflict" ? error.reason : undefined, "NOT_SERVICEABLE")
    })
  )

  it.effect("answers NotFound for unknown or inactive delivery options and unknown addresses", () =>
    Effect.gen(function* () {
      const shipping = yield* makeShippingSimulator(demoCatalog)
      const errors = yield* Effect.all([
        Effect.flip(shipping.operations.calculateRate(rate("deliv_nope", ["store_123"]))),
        Effect.flip(shipping.operations.calculateRate(rate("deliv_opt_retired", ["store_123"]))),
        Effect.flip(shipping.operations.calculateRate(rate("deliv_opt_123", ["store_123"], "addr_nope")))
      ])
      assert.deepStrictEqual<unknown>(
        errors.map((e) => e._tag),
        ["ResourceNotFound", "ResourceNotFound", "ResourceNotFound"]
      )
    })
  )
})
