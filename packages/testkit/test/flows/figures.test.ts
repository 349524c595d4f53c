import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import type { Cart, LineItem, OperationResult } from "@orchestra/core/domain/Cart"
import { lineTotalAt } from "@orchestra/core/domain/LinePrice"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { CouponCode } from "@orchestra/core/domain/Ids"
import { minor } from "@orchestra/core/domain/Money"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { MemoryStores, SandboxFlowsInMemory, sandboxFlows } from "../../src/sandbox/SandboxEnvironment.ts"
import { asRequest, customer, freshCustomer, ops } from "./support.ts"

/** Every line an answer shows: `line_total` is its quantity times its prices, or absent while a price is unknown. */
const assertSettled = (lines: ReadonlyArray<LineItem>, where: string) => {
  for (const line of lines) assert.strictEqual(line.line_total, lineTotalAt(line), `${where}: ${line.item_id} × ${line.quantity}`)
}
/** Every result that names a line carries the line's id at the top level (the seed's `item_id`). */
const assertResultIds = (results: ReadonlyArray<OperationResult>) => {
  for (const result of results) if (result.item !== undefined) assert.strictEqual(result.item_id, result.item.item_id)
}

const options = Schema.decodeUnknownSync(UpdateOptionsRequest)

const Step = Schema.Struct({
  lite: Schema.Boolean,
  op: Schema.Literals(["ADD", "SET", "UPDATE", "DELETE"]),
  product: Schema.Literals(["prod_case", "prod_screen", "prod_mug"]),
  quantity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4 })),
  /** Which of the cart's lines an UPDATE or DELETE names (modulo the lines there are). */
  line: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 5 }))
})
const Journey = Schema.Array(Step).check(Schema.isMinLength(1), Schema.isMaxLength(8))

const operationOf = (step: typeof Step.Type, cart: Cart | undefined) => {
  const lines = cart?.items ?? []
  const target = lines.length === 0 ? undefined : lines[step.line % lines.length]
  if ((step.op === "UPDATE" || step.op === "DELETE") && target !== undefined) {
    return step.op === "UPDATE" ? { op: "UPDATE", item_id: target.item_id, quantity: step.quantity } : { op: "DELETE", item_id: target.item_id }
  }
  return { op: step.op === "SET" ? "SET" : "ADD", product_id: step.product, quantity: step.quantity }
}

layer(SandboxFlowsInMemory, { excludeTestServices: true })("figures of every answer (issue 13)", (it) => {
  it.effect("a lite add of 2 more to a line of 1 answers the total of 3, not the old one, and names the line", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) }))
      const { result } = yield* asRequest(
        flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 2 }) })
      )
      const line = result.cart.items[0]!
      assert.strictEqual(line.quantity, 3)
      assert.strictEqual(line.line_total, 89_700)
      assert.strictEqual(result.results[0]?.item?.line_total, 89_700)
      assert.strictEqual(result.results[0]?.item_id, line.item_id)
      // The totals are the last computation's, and the answer says so.
      assert.isFalse(result.cart.computed)
    })
  )

  it.effect.prop(
    "line_total = (unit_price + addons) × quantity on every line of every answer, across any run of lite and full operations",
    [Journey],
    ([journey]) =>
      Effect.gen(function* () {
        const flows = yield* CartFlows
        const owner = freshCustomer()
        let cart: Cart | undefined
        for (const step of journey) {
          const request = ops(operationOf(step, cart))
          const flow = step.lite ? flows.itemsLite : flows.itemsFull
          const { result } = yield* asRequest(flow({ owner, cartType: "DEFAULT", request }))
          assertSettled(result.cart.items, "cart")
          assertSettled(result.results.flatMap((r) => (r.item === undefined ? [] : [r.item])), "result")
          assertResultIds(result.results)
          cart = result.cart
        }
        const { result } = yield* asRequest(flows.getCached({ owner, cartType: "DEFAULT" }))
        assertSettled(result.cart.items, "cached")
      }),
    { arbitrary: { runs: 30 } }
  )

  it.effect("PUT /cart: validations' figures are the computed cart's — a waived delivery charges 0, coupons sum to their discount", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      // 3 × 299.00 = 897.00: above the 599.00 free-delivery threshold of the standard option.
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 3 }) }))
      const { result } = yield* asRequest(
        flows.updateOptions({
          owner,
          cartType: "DEFAULT",
          request: options({ delivery_option: { delivery_option_id: "deliv_opt_123" }, coupons: [{ code: "SAVE20" }, { code: "FLAT50" }] })
        })
      )
      const { totals } = result.cart
      assert.strictEqual(totals.delivery_charge, 0)
      assert.deepStrictEqual<unknown>(result.validations.delivery_option, { status: "VALID", charge: totals.delivery_charge })
      // SAVE20: 20 % of 897.00 = 179.40 (under its 200.00 cap); FLAT50: 50.00.
      assert.deepStrictEqual<unknown>(result.validations.coupon, { status: "VALID", discount: 22_940 })
      assert.deepStrictEqual<unknown>(
        result.validations.coupons?.map((c) => [c.code, c.status, c.discount]),
        [
          ["SAVE20", "VALID", 17_940],
          ["FLAT50", "VALID", 5_000]
        ]
      )
      assert.strictEqual(-totals.discount, result.validations.coupon?.discount)
    })
  )

  it.effect("PUT /cart: one invalid code makes the seed's coupon INVALID; the valid one's discount is still counted", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 2 }) }))
      const { result } = yield* asRequest(
        flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ coupons: [{ code: "FLAT50" }, { code: "EXPIRED10" }] }) })
      )
      assert.deepStrictEqual<unknown>(result.validations.coupon, { status: "INVALID", discount: 5_000 })
      assert.strictEqual(result.cart.totals.discount, -5_000)
    })
  )

  it.effect("the cart carries its addresses as the customer service returns them, beside their ids", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = customer("cust_1")
      yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "SET", product_id: "prod_case", quantity: 1 }) }))
      const { result } = yield* asRequest(
        flows.updateOptions({
          owner,
          cartType: "DEFAULT",
          request: options({ address: { shipping_address: { address_id: "addr_456" }, billing_address: { same_as_shipping: true } } })
        })
      )
      const shipping = { address_id: "addr_456", customer_id: "cust_1", city: "Bengaluru", pincode: "560034", serviceable: true }
      assert.deepStrictEqual<unknown>(result.cart.address, {
        shipping_address: { address_id: "addr_456" },
        billing_address: { same_as_shipping: true },
        shipping,
        billing: shipping
      })
      const { result: read } = yield* asRequest(flows.getFull({ owner, cartType: "DEFAULT" }))
      assert.deepStrictEqual<unknown>(read.cart.cart_id === null ? undefined : read.cart.address?.shipping, shipping)
    })
  )
})

/**
 * A phone and two cases: 20,597.00 before promotions, 20,537.20 after the combo's 10 % off the cases.
 * EDGE's minimum lies between the two, so the rule decides whether it applies.
 */
const edge = CouponCode.make("EDGE")
const edgeCatalog = {
  ...demoCatalog,
  coupons: [...demoCatalog.coupons, { code: edge, type: "FLAT" as const, amount: minor(1_000), min_subtotal: minor(2_055_000), valid_until: "2099-12-31" }]
}

layer(sandboxFlows({ catalog: edgeCatalog }).pipe(Layer.provideMerge(MemoryStores)), { excludeTestServices: true })(
  "a coupon's minimum, judged on one subtotal (issue 13)",
  (it) => {
    it.effect("PUT /cart and the full GET both judge it on the subtotal after promotions", () =>
      Effect.gen(function* () {
        const flows = yield* CartFlows
        const owner = freshCustomer()
        const phone = { op: "SET", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }
        // Three cases: 20,806.30 after promotions, above the minimum: EDGE is taken.
        yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops(phone, { op: "SET", product_id: "prod_case", quantity: 3 }) }))
        const { result: taken } = yield* asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ coupons: [{ code: "EDGE" }] }) }))
        assert.deepStrictEqual<unknown>(taken.validations.coupon, { status: "VALID", discount: 1_000 })
        // Two cases: 20,537.20 after promotions, under it (20,597.00 before would pass).
        yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "SET", product_id: "prod_case", quantity: 2 }) }))
        const { result: read } = yield* asRequest(flows.getFull({ owner, cartType: "DEFAULT" }))
        assert.include(
          read.warnings.map((w) => w.code),
          "COUPON_REMOVED"
        )
        const { result: again } = yield* asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ coupons: [{ code: "EDGE" }] }) }))
        assert.deepStrictEqual<unknown>(again.validations.coupon, { status: "INVALID", discount: 0 })
        assert.strictEqual(again.validations.coupons?.[0]?.reason, "MIN_SUBTOTAL")
        assert.strictEqual(again.cart.totals.discount, -5_980)
      })
    )
  }
)
