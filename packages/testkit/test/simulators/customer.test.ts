import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AddressId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeCustomerSimulator } from "../../src/simulators/CustomerSimulator.ts"

describe("CustomerSimulator", () => {
  it.effect("returns an address with the customer who owns it", () =>
    Effect.gen(function* () {
      const customer = yield* makeCustomerSimulator(demoCatalog)
      assert.deepStrictEqual<unknown>(yield* customer.operations.address({ params: { address_id: AddressId.make("addr_remote") } }), {
        address_id: "addr_remote",
        customer_id: "cust_1",
        city: "Remote Island",
        pincode: "744301",
        serviceable: false
      })
      const ravi = yield* customer.operations.address({ params: { address_id: AddressId.make("addr_999") } })
      assert.strictEqual(ravi.customer_id, "cust_2")
    })
  )

  it.effect("answers NotFound for an unknown address", () =>
    Effect.gen(function* () {
      const customer = yield* makeCustomerSimulator(demoCatalog)
      const error = yield* Effect.flip(customer.operations.address({ params: { address_id: AddressId.make("addr_nope") } }))
      assert.strictEqual(error._tag, "ResourceNotFound")
    })
  )
})
