import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { Fault } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox } from "../../src/sandbox/Sandbox.ts"
import { SandboxFlowsInMemory } from "../../src/sandbox/SandboxEnvironment.ts"
import { asRequest, customer, freshCustomer, guest, ops, stepsOf } from "./support.ts"

const options = Schema.decodeUnknownSync(UpdateOptionsRequest)

layer(SandboxFlowsInMemory, { excludeTestServices: true })("cart flows", (it) => {
  it.effect("GET on an owner without a cart answers an empty cart and creates none", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const before = (yield* Sandbox).simulators.cart.carts().length
      const { result, context } = yield* asRequest(flows.getFull({ owner: guest(`nobody_${Date.now()}`), cartType: "DEFAULT" }))
      assert.strictEqual(result.cart.cart_id, null)
      assert.deepStrictEqual(result.cart.items, [])
      assert.strictEqual(result.cart.totals.net_payable, 0)
      assert.deepStrictEqual(stepsOf(context), ["cart.find"])
      assert.strictEqual((yield* Sandbox).simulators.cart.carts().length, before)
    })
  )

  it.effect("GET full makes its 11 steps with a delivery option, with inventory status and warnings", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(
        flows.itemsFull({
          owner,
          cartType: "DEFAULT",
          request: ops(
            { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
            { op: "ADD", product_id: "prod_mug", quantity: 2 }
          )
        })
      )
      yield* asRequest(
        flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ delivery_option: { delivery_option_id: "deliv_opt_123" } }) })
      )
      const sandbox = yield* Sandbox
      sandbox.simulators.product.setPrice("prod_phone", "var_128gb", 1_899_900)
      const { result, context } = yield* asRequest(flows.getFull({ owner, cartType: "DEFAULT" }))
      sandbox.simulators.product.setPrice("prod_phone", "var_128gb", 1_999_900)
      assert.deepStrictEqual([...new Set(stepsOf(context))].sort(), [
        "cache.set",
        "cart.compute",
        "cart.find",
        "inventory.checkAvailability",
        "marketing.promotionsApplicable",
        "product.search",
        "sellerAdmin.deliveryOption",
        "sellerAdmin.storeStatus",
        "sellerAdmin.taxSettings",
        "shipping.calculateRate"
      ])
      assert.isFalse(result.stale)
      // 18999 + 2 × 249 = 19497, standard delivery waived above 599 (free delivery promotion).
      assert.strictEqual(result.cart.totals.subtotal, 1_949_700)
      assert.strictEqual(result.cart.totals.delivery_charge, 0)
      const codes = result.warnings.map((w) => w.code)
      assert.include(codes, "PRICE_CHANGED")
      assert.include(codes, "LOW_STOCK")
      assert.deepInclude<unknown>(result.inventory_status, { product_id: "prod_mug", available: true, quantity_available: 2 })
    })
  )

  it.effect("GET full answers the last computed cart as stale when compute fails", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      const added = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      yield* injector.set([{ target: "cart.compute", fault: Fault.Error({ status: 500 }), rate: 1 }])
      const { result } = yield* asRequest(flows.getFull({ owner, cartType: "DEFAULT" }))
      yield* injector.clear
      assert.isTrue(result.stale)
      assert.deepStrictEqual(result.cart.totals, added.result.cart.totals)
      assert.include(result.warnings.map((w) => w.code), "STALE_CART")
    })
  )

  it.effect("cached GET: 1 call on a hit with its age, 2 on a miss", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const hit = yield* asRequest(flows.getCached({ owner, cartType: "DEFAULT" }))
      assert.deepStrictEqual(stepsOf(hit.context), ["cache.get"])
      assert.isTrue(hit.result.from_cache)
      assert.strictEqual(hit.result.cache_age_seconds, 0)
      assert.strictEqual(hit.result.cart.items.length, 1)
      const miss = yield* asRequest(flows.getCached({ owner, cartType: "BUY_NOW" }))
      assert.deepStrictEqual(stepsOf(miss.context), ["cache.get", "cart.find"])
      assert.isFalse(miss.result.from_cache)
    })
  )

  it.effect("PUT validates only the fields sent, applies the valid ones and prices SAVE20 + express", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = customer("cust_1")
      yield* asRequest(flows.deleteCart({ owner, cartType: "DEFAULT" })).pipe(Effect.ignore)
      yield* asRequest(
        flows.itemsFull({
          owner,
          cartType: "DEFAULT",
          request: ops(
            { op: "ADD", product_id: "prod_earbuds", quantity: 1 },
            { op: "ADD", product_id: "prod_tshirt", variant_id: "var_l", quantity: 1 }
          )
        })
      )
      const { result, context } = yield* asRequest(
        flows.updateOptions({
          owner,
          cartType: "DEFAULT",
          request: options({
            coupons: [{ code: "SAVE20" }, { code: "EXPIRED10" }],
            delivery_option: { delivery_option_id: "deliv_opt_express" },
            address: { shipping_address: { address_id: "addr_999" } },
            gift_wrap: { id: "gift_wrap_standard", message: "Happy Birthday!" }
          })
        })
      )
      assert.deepStrictEqual<unknown>(result.validations.coupons, [
        { code: "SAVE20", status: "VALID", discount: 20_000 },
        { code: "EXPIRED10", status: "INVALID", reason: "EXPIRED" }
      ])
      assert.deepStrictEqual(result.validations.address, { status: "INVALID", reason: "NOT_YOUR_ADDRESS" })
      assert.deepStrictEqual<unknown>(result.validations.delivery_option, { status: "VALID", charge: 19_800 })
      assert.deepStrictEqual<unknown>(result.validations.gift_wrap, { status: "VALID", charge: 2_500 })
      assert.isUndefined(result.cart.address)
      assert.deepStrictEqual<unknown>(result.cart.coupons, [{ code: "SAVE20" }])
      assert.deepInclude<unknown>(result.cart.totals, { discount: -20_000, delivery_charge: 19_800, tax: 5_792, gift_wrap: 2_500 })
      const steps = stepsOf(context)
      assert.notInclude(steps, "sellerAdmin.pickupPoint")
      assert.notInclude(steps, "payment.paymentMethod")
      assert.include(steps, "customer.address")
      assert.include(steps, "shipping.calculateRate")
    })
  )

  it.effect("PUT with a slot not offered is a 400 and changes nothing", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const before = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const error = yield* Effect.flip(
        asRequest(
          flows.updateOptions({
            owner,
            cartType: "DEFAULT",
            request: options({
              delivery_option: { delivery_option_id: "deliv_opt_123" },
              delivery_preference: { scheduled: { date: "2999-01-01", slot: { id: "slot_midnight" } }, immediate: null }
            })
          })
        )
      )
      assert.strictEqual(error._tag, "INVALID_REQUEST")
      const after = (yield* Sandbox).simulators.cart.cartById(before.result.cart.cart_id)
      assert.strictEqual(after?.version, before.result.cart.version)
    })
  )

  it.effect("PUT with a gift message longer than the wrap allows is a 400 naming the field, and changes nothing", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const before = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const wrap = (length: number) =>
        asRequest(
          flows.updateOptions({
            owner,
            cartType: "DEFAULT",
            request: options({ gift_wrap: { id: "gift_wrap_standard", message: "x".repeat(length) }, tips: { amount: 5, currency: "INR" } })
          })
        )
      // The standard wrap takes 200 characters.
      const error = yield* Effect.flip(wrap(201))
      assert.strictEqual(error._tag, "INVALID_REQUEST")
      assert.deepStrictEqual(error.details, [{ path: ["gift_wrap", "message"] }])
      assert.strictEqual((yield* Sandbox).simulators.cart.cartById(before.result.cart.cart_id)?.version, before.result.cart.version)
      const { result } = yield* wrap(200)
      assert.deepStrictEqual<unknown>(result.validations.gift_wrap, { status: "VALID", charge: 2_500 })
    })
  )

  it.effect("PUT with a tip in another currency than the cart's answers it INVALID and does not apply it", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) }))
      const { result } = yield* asRequest(
        flows.updateOptions({
          owner,
          cartType: "DEFAULT",
          request: options({ tips: { amount: 20, currency: "USD" }, special_instructions: { instructions: "Ring twice" } })
        })
      )
      assert.deepStrictEqual(result.validations.tips, { status: "INVALID", reason: "CURRENCY_MISMATCH" })
      assert.deepStrictEqual(result.validations.special_instructions, { status: "VALID" })
      assert.isUndefined(result.cart.tips)
      assert.strictEqual(result.cart.totals.tips, 0)
      assert.strictEqual(result.cart.special_instructions?.instructions, "Ring twice")
    })
  )

  it.effect("PUT and DELETE on an owner without a cart answer CART_NOT_FOUND", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const put = yield* Effect.flip(asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: options({}) })))
      const del = yield* Effect.flip(asRequest(flows.deleteCart({ owner, cartType: "DEFAULT" })))
      assert.strictEqual(put._tag, "CART_NOT_FOUND")
      assert.strictEqual(del._tag, "CART_NOT_FOUND")
    })
  )

  it.effect("DELETE removes the cart, its cache entry and its reservations in 3 steps", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const added = yield* asRequest(
        flows.itemsFull({ owner, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_case", quantity: 1 }) })
      )
      const { result, context } = yield* asRequest(flows.deleteCart({ owner, cartType: "DEFAULT" }))
      assert.strictEqual(result.cart_id, added.result.cart.cart_id)
      assert.deepStrictEqual([...stepsOf(context)].sort(), ["cache.delete", "cart.remove", "inventory.releaseReservations"])
      const cached = yield* asRequest(flows.getCached({ owner, cartType: "DEFAULT" }))
      assert.isFalse(cached.result.from_cache)
      assert.strictEqual(cached.result.cart.cart_id, null)
    })
  )
})
