import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { type ItemsRequest, UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { Fault } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { SandboxFlowsInMemory } from "../../src/sandbox/SandboxEnvironment.ts"
import { asRequest, freshCustomer, ops, overlap, stepsOf } from "./support.ts"

const phoneAndCases = ops(
  { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
  { op: "SET", product_id: "prod_case", quantity: 2 }
)

layer(SandboxFlowsInMemory, { excludeTestServices: true })("items flows", (it) => {
  it.effect("items full prices the cart with the demo catalog's figures (DESIGN §10)", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const { result, context } = yield* asRequest(
        flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases })
      )
      assert.strictEqual(result.operations_applied, 2)
      assert.deepStrictEqual(
        result.results.map((r) => [r.index, r.status, r.action_taken]),
        [
          [0, "SUCCESS", "ADDED"],
          [1, "SUCCESS", "ADDED"]
        ]
      )
      assert.deepInclude<unknown>(result.cart.totals, { subtotal: 2_059_700, discount: -5_980, tax: 102_686, net_payable: 2_156_406 })
      assert.isTrue(result.cart.computed)
      assert.deepStrictEqual(result.warnings, [])
      // No delivery option on the cart: shipping (step 4) is skipped, the other nine run.
      const steps = stepsOf(context)
      assert.deepStrictEqual(steps.slice(0, 1), ["cart.findOrCreate"])
      assert.deepStrictEqual(
        [...steps.slice(1, 5)].sort(),
        ["inventory.checkAvailability", "product.search", "sellerAdmin.storeStatus", "sellerAdmin.taxSettings"]
      )
      assert.deepStrictEqual(steps.slice(5), ["marketing.promotionsApplicable", "cart.applyBatch", "cart.compute", "cache.set"])
    })
  )

  it.effect("with a delivery option on the cart, items full makes all 10 steps, shipping among them", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: phoneAndCases }))
      yield* asRequest(
        flows.updateOptions({
          owner,
          cartType: "DEFAULT",
          request: Schema.decodeUnknownSync(UpdateOptionsRequest)({ delivery_option: { delivery_option_id: "deliv_opt_express" } })
        })
      )
      const { result, context } = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_screen", quantity: 1 }) })
      )
      assert.deepStrictEqual([...new Set(stepsOf(context))].sort(), [
        "cache.set",
        "cart.applyBatch",
        "cart.compute",
        "cart.findOrCreate",
        "inventory.checkAvailability",
        "marketing.promotionsApplicable",
        "product.search",
        "sellerAdmin.storeStatus",
        "sellerAdmin.taxSettings",
        "shipping.calculateRate"
      ])
      // Express is 99.00 per store; all lines are from store_123.
      assert.strictEqual(result.cart.totals.delivery_charge, 9_900)
    })
  )

  it.effect("steps 2–6 overlap: products with inventory, then store status with tax settings", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      // Each call of the group takes 40 ms, so overlap is visible in the trace.
      yield* injector.set([
        { target: "product.*", fault: Fault.Latency({ millis: 40 }), rate: 1 },
        { target: "inventory.*", fault: Fault.Latency({ millis: 40 }), rate: 1 },
        { target: "sellerAdmin.*", fault: Fault.Latency({ millis: 40 }), rate: 1 }
      ])
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: phoneAndCases }))
      // Second request: the cart's lines know their store, so all of 2–6 start together.
      const { context } = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      yield* injector.clear
      assert.isTrue(overlap(context, "product.search", "inventory.checkAvailability"))
      assert.isTrue(overlap(context, "product.search", "sellerAdmin.storeStatus"))
      assert.isTrue(overlap(context, "sellerAdmin.storeStatus", "sellerAdmin.taxSettings"))
      assert.isTrue(overlap(context, "inventory.checkAvailability", "sellerAdmin.taxSettings"))
    })
  )

  it.effect("each refused operation gets its code, the others apply (partial success)", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const { result } = yield* asRequest(
        flows.itemsFull({
          owner: freshCustomer(),
          cartType: "DEFAULT",
          request: ops(
            { op: "ADD", product_id: "prod_nope", quantity: 1 },
            { op: "ADD", product_id: "prod_powerbank", quantity: 1 },
            { op: "ADD", product_id: "prod_phone", quantity: 1 },
            { op: "ADD", product_id: "prod_phone", variant_id: "var_512gb", quantity: 1 },
            { op: "ADD", product_id: "prod_lamp", quantity: 1 },
            { op: "ADD", product_id: "prod_retired", quantity: 1 },
            { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 4 },
            { op: "ADD", product_id: "prod_case", quantity: 1, addons: [{ addon_id: "addon_bogus" }] },
            { op: "UPDATE", item_id: "item_nope", quantity: 2 },
            { op: "ADD", product_id: "prod_mug", quantity: 2 },
            { op: "ADD", product_id: "prod_mug", quantity: 1 }
          )
        })
      )
      assert.deepStrictEqual(
        result.results.map((r) => [r.index, r.status, r.code ?? r.action_taken]),
        [
          [0, "FAILED", "PRODUCT_NOT_FOUND"],
          [1, "FAILED", "OUT_OF_STOCK"],
          [2, "FAILED", "VARIANT_REQUIRED"],
          [3, "FAILED", "VARIANT_NOT_FOUND"],
          [4, "FAILED", "STORE_OFFLINE"],
          [5, "FAILED", "PRODUCT_INACTIVE"],
          [6, "FAILED", "QUANTITY_LIMIT"],
          [7, "FAILED", "ADDON_NOT_FOUND"],
          [8, "FAILED", "ITEM_NOT_FOUND"],
          [9, "SUCCESS", "ADDED"],
          [10, "FAILED", "OUT_OF_STOCK"]
        ]
      )
      assert.strictEqual(result.results[1]?.quantity_available, 0)
      assert.strictEqual(result.results[10]?.quantity_available, 2)
      assert.strictEqual(result.operations_applied, 1)
      assert.deepStrictEqual(
        result.cart.items.map((i) => [i.product_id, i.quantity]),
        [["prod_mug", 2]]
      )
    })
  )

  it.effect("an optional step failing degrades to a warning; the cart is priced without it", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "marketing.promotionsApplicable", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const { result, context } = yield* asRequest(
        flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases })
      )
      yield* injector.clear
      assert.strictEqual(result.cart.totals.discount, 0)
      assert.deepStrictEqual(
        result.warnings.map((w) => [w.code, w.service]),
        [["PROMOTIONS_UNAVAILABLE", "marketing"]]
      )
      const promotions = context.trace.find((r) => r.step === "marketing.promotionsApplicable")
      assert.deepInclude<unknown>(promotions, { outcome: "degraded", critical: false, attempts: 3 })
    })
  )

  it.effect("a critical step failing fails the flow with the mapped error naming the service", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "product.search", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const error = yield* Effect.flip(
        asRequest(flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases }))
      )
      yield* injector.set([{ target: "inventory.checkAvailability", fault: Fault.Error({ status: 500 }), rate: 1 }])
      const other = yield* Effect.flip(
        asRequest(flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases }))
      )
      yield* injector.clear
      assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "product" })
      assert.deepInclude<unknown>(other, { _tag: "DOWNSTREAM_ERROR", service: "inventory" })
    })
  )

  it.effect("a timed-out read is retried twice, then answers DOWNSTREAM_TIMEOUT", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "inventory.checkAvailability", fault: Fault.Timeout(), rate: 1 }])
      const outcome = yield* Effect.exit(
        Effect.gen(function* () {
          const context = yield* RequestContext.make({ requestId: "t", deadlineMs: 5_000 })
          const error = yield* Effect.flip(
            Effect.provideService(
              flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases }),
              RequestContext,
              context
            )
          )
          return { error, context }
        })
      )
      yield* injector.clear
      assert.isTrue(outcome._tag === "Success")
      if (outcome._tag === "Success") {
        assert.deepInclude<unknown>(outcome.value.error, { _tag: "DOWNSTREAM_TIMEOUT", service: "inventory" })
        const record = outcome.value.context.trace.find((r) => r.step === "inventory.checkAvailability")
        assert.deepInclude<unknown>(record, { attempts: 3, outcome: "failed" })
      }
    }),
    10_000
  )

  it.effect("no call outlives the request's deadline: DEADLINE_EXCEEDED", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "inventory.checkAvailability", fault: Fault.Timeout(), rate: 1 }])
      const error = yield* Effect.flip(
        asRequest(flows.itemsFull({ owner: freshCustomer(), cartType: "DEFAULT", request: phoneAndCases }), 1_500)
      )
      yield* injector.clear
      assert.deepInclude<unknown>(error, { _tag: "DEADLINE_EXCEEDED", service: "inventory" })
    }),
    10_000
  )

  it.effect("items lite: find-or-create, the products and their stores together, the batch, the cache; the cart not computed", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const { result, context } = yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: phoneAndCases }))
      const steps = stepsOf(context)
      assert.deepStrictEqual(steps[0], "cart.findOrCreate")
      assert.deepStrictEqual([...steps.slice(1, 3)].sort(), ["product.search", "sellerAdmin.storeStatus"])
      assert.deepStrictEqual(steps.slice(3), ["cart.applyBatch", "cache.set"])
      assert.strictEqual(result.operations_applied, 2)
      assert.isFalse(result.cart.computed)
      // A request that only deletes lines needs no catalog: three steps, as DESIGN §4 has it.
      const line = result.cart.items[0]!
      const { context: deleting } = yield* asRequest(
        flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "DELETE", item_id: line.item_id }) })
      )
      assert.deepStrictEqual(stepsOf(deleting), ["cart.findOrCreate", "cart.applyBatch", "cache.set"])
    })
  )

  // DESIGN §3's limits on every path (issue 14): the same codes as the full flow, stock aside.
  const limitBreakers = ops(
    { op: "ADD", product_id: "prod_nope", quantity: 1 },
    { op: "ADD", product_id: "prod_phone", quantity: 1 },
    { op: "ADD", product_id: "prod_lamp", quantity: 1 },
    { op: "ADD", product_id: "prod_retired", quantity: 1 },
    { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 4 },
    { op: "ADD", product_id: "prod_case", quantity: 1, addons: [{ addon_id: "addon_bogus" }] },
    { op: "ADD", product_id: "prod_case", quantity: 1 }
  )
  const expectedCodes: ReadonlyArray<ReadonlyArray<unknown>> = [
    [0, "FAILED", "PRODUCT_NOT_FOUND"],
    [1, "FAILED", "VARIANT_REQUIRED"],
    [2, "FAILED", "STORE_OFFLINE"],
    [3, "FAILED", "PRODUCT_INACTIVE"],
    [4, "FAILED", "QUANTITY_LIMIT"],
    [5, "FAILED", "ADDON_NOT_FOUND"],
    [6, "SUCCESS", "ADDED"]
  ]

  // A mug is in the cart before: the lite add keeps it, buy-now replaces the lines, whatever the request's fate.
  const lightPaths = [
    [
      "items lite",
      (owner: Owner, request: ItemsRequest) => Effect.flatMap(CartFlows, (flows) => flows.itemsLite({ owner, cartType: "DEFAULT", request })),
      [["prod_mug", 1], ["prod_case", 1]]
    ],
    ["buy-now", (owner: Owner, request: ItemsRequest) => Effect.flatMap(CartFlows, (flows) => flows.buyNow({ owner, request })), [["prod_case", 1]]]
  ] as const
  for (const [name, send, lines] of lightPaths) {
    it.effect(`${name} holds the limits of the full flow: each refused operation gets its code, the rest apply`, () =>
      Effect.gen(function* () {
        const owner = freshCustomer()
        yield* asRequest(send(owner, ops({ op: "ADD", product_id: "prod_mug", quantity: 1 })))
        const { result } = yield* asRequest(send(owner, limitBreakers))
        assert.deepStrictEqual<ReadonlyArray<ReadonlyArray<unknown>>>(
          result.results.map((r) => [r.index, r.status, r.code ?? r.action_taken]),
          expectedCodes
        )
        assert.deepStrictEqual<ReadonlyArray<ReadonlyArray<unknown>>>(
          result.cart.items.map((i) => [i.product_id, i.quantity]),
          lines
        )
      })
    )
  }

  it.effect("an UPDATE past the product's max_per_order is refused in the lite flow too", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const { result: added } = yield* asRequest(
        flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }) })
      )
      const phone = added.cart.items[0]!
      const { result } = yield* asRequest(
        flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "UPDATE", item_id: phone.item_id, quantity: 4 }) })
      )
      assert.deepStrictEqual(
        result.results.map((r) => [r.status, r.code]),
        [["FAILED", "QUANTITY_LIMIT"]]
      )
      assert.strictEqual(result.cart.items[0]?.quantity, 1)
    })
  )

  it.effect("buy-now replaces the BUY_NOW cart's lines, answers them priced, and leaves the DEFAULT cart alone", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: phoneAndCases }))
      yield* asRequest(flows.buyNow({ owner, request: ops({ op: "ADD", product_id: "prod_mug", quantity: 1 }) }))
      const { result, context } = yield* asRequest(
        flows.buyNow({ owner, request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const steps = stepsOf(context)
      assert.deepStrictEqual(steps[0], "cart.findOrCreate")
      assert.deepStrictEqual(
        [...steps.slice(1, 5)].sort(),
        ["marketing.promotionsApplicable", "product.search", "sellerAdmin.storeStatus", "sellerAdmin.taxSettings"]
      )
      assert.deepStrictEqual(steps.slice(5), ["cart.applyBatch", "cart.compute", "cache.set"])
      assert.strictEqual(result.cart_type, "BUY_NOW")
      // Priced, as the seed's "full computed cart": the client places the order from this answer.
      assert.isTrue(result.cart.computed)
      assert.deepInclude<unknown>(result.cart.items[0], { name: "Phone Case", unit_price: 29_900, line_total: 29_900 })
      assert.deepInclude<unknown>(result.results[0]?.item, { unit_price: 29_900, line_total: 29_900 })
      assert.strictEqual(result.cart.totals.subtotal, 29_900)
      assert.isAbove(result.cart.totals.net_payable, 0)
      assert.deepStrictEqual(
        result.cart.items.map((i) => [i.product_id, i.quantity]),
        [["prod_case", 1]]
      )
      const { result: main } = yield* asRequest(flows.getCached({ owner, cartType: "DEFAULT" }))
      assert.strictEqual(main.cart.items.length, 2)
    })
  )
})
