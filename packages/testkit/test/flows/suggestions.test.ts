import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import type { SuggestionType } from "@orchestra/core/domain/Suggestion"
import type { CartType, Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { defaultStepPolicy } from "@orchestra/core/runtime/StepPolicy"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { SuggestionsFlow, SuggestionsFlowLive } from "@orchestra/core/suggestions/SuggestionsFlow"
import { SuggestionsResponse } from "@orchestra/core/suggestions/SuggestionsResponse"
import { Fault, type FaultRule } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox, SandboxDownstreams } from "../../src/sandbox/Sandbox.ts"
import { asRequest, customer, freshCustomer, guest, ops, stepsOf } from "./support.ts"

/** The suggestions flow beside the cart flows (to fill carts), over one sandbox with the demo catalog. */
const SuggestionsSandbox = Layer.merge(SuggestionsFlowLive, CartFlowsLive).pipe(
  Layer.provideMerge(SandboxDownstreams),
  Layer.provideMerge(Layer.mergeAll(Sandbox.layer, FaultInjector.layer, CartCache.layerMemory))
)

const SOURCES = [
  "recommendations.complementary",
  "marketing.bundlesApplicable",
  "recommendations.upsells",
  "marketing.thresholdOffers",
  "recommendations.reminders"
] as const

/** cust_1 (wishlist: earbuds; recently viewed: power bank, mug) with a phone and a case, computed. */
const asha = customer("cust_1")
const phoneAndCase = (owner: Owner) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    return yield* asRequest(
      flows.itemsFull({
        owner,
        cartType: "DEFAULT",
        request: ops(
          { op: "SET", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
          { op: "SET", product_id: "prod_case", quantity: 1 }
        )
      })
    )
  })

const suggestionsFor = (owner: Owner, cartType: CartType = "DEFAULT") =>
  Effect.gen(function* () {
    const flow = yield* SuggestionsFlow
    return yield* asRequest(flow.suggestions({ owner, cartType }))
  })

const groupOf = (response: SuggestionsResponse, type: SuggestionType) => response.suggestions.find((s) => s.type === type)
const idsIn = (response: SuggestionsResponse, type: SuggestionType) => groupOf(response, type)?.items.map((i) => i.product_id)

/** Runs `effect` with `rules` injected, clearing them whatever happens. */
const withFaults = <A, E, R>(rules: ReadonlyArray<FaultRule>, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const injector = yield* FaultInjector
    return yield* Effect.acquireUseRelease(injector.set(rules), () => effect, () => injector.clear)
  })

layer(SuggestionsSandbox, { excludeTestServices: true })("suggestions flow", (it) => {
  it.effect("a phone and a case: complementary, the accessory kit, the premium case and the mug, in nine steps", () =>
    Effect.gen(function* () {
      yield* phoneAndCase(asha)
      const { result, context } = yield* suggestionsFor(asha)

      assert.deepStrictEqual(
        result.suggestions.map((s) => s.type),
        ["COMPLEMENTARY", "BUNDLE", "UPSELL", "REMINDER"]
      )
      assert.deepStrictEqual(idsIn(result, "COMPLEMENTARY"), ["prod_screen", "prod_earbuds"])
      assert.deepStrictEqual<unknown>(groupOf(result, "COMPLEMENTARY")?.items[0], {
        product_id: "prod_screen",
        name: "Screen Protector",
        price: 14_900,
        reason: "70% of customers bought this"
      })
      const bundle = groupOf(result, "BUNDLE")
      assert.deepStrictEqual(bundle?.bundle, {
        bundle_id: "bundle_123",
        name: "Complete Accessory Kit",
        bundle_price: 139_900,
        savings: 34_800
      })
      // The kit keeps the case already in the cart: completing the kit is the offer.
      assert.deepStrictEqual(idsIn(result, "BUNDLE"), ["prod_case", "prod_screen", "prod_earbuds"])
      assert.deepStrictEqual<unknown>(groupOf(result, "UPSELL")?.items, [
        { product_id: "prod_premium_case", name: "Premium Leather Case", price: 79_900, reason: "Better durability" }
      ])
      assert.deepStrictEqual<unknown>(groupOf(result, "REMINDER")?.items, [
        { product_id: "prod_mug", name: "Ceramic Mug", price: 24_900, reason: "You viewed this recently", source: "RECENTLY_VIEWED" }
      ])

      const listed = result.suggestions.filter((s) => s.type !== "BUNDLE").flatMap((s) => s.items.map((i) => i.product_id))
      assert.strictEqual(listed.filter((id) => id === "prod_earbuds").length, 1)
      assert.notInclude<string>(
        result.suggestions.flatMap((s) => s.items.map((i) => i.product_id)),
        "prod_powerbank"
      )
      assert.deepStrictEqual(result.meta, {
        total_suggestions: 7,
        suggestion_types: ["COMPLEMENTARY", "BUNDLE", "UPSELL", "REMINDER"],
        degraded_sources: []
      })
      assert.notProperty(result, "warnings")
      // On the wire, amounts are major units as in the seed.
      const wire = Schema.encodeSync(SuggestionsResponse)(result)
      assert.deepStrictEqual<unknown>(wire.suggestions[1], {
        type: "BUNDLE",
        title: "Bundle Deal - Save 20%",
        bundle: { bundle_id: "bundle_123", name: "Complete Accessory Kit", bundle_price: 1399, savings: 348 },
        items: [
          { product_id: "prod_case", name: "Phone Case", price: 299 },
          { product_id: "prod_screen", name: "Screen Protector", price: 149 },
          { product_id: "prod_earbuds", name: "Bluetooth Earbuds", price: 1299 }
        ]
      })

      // The cart is far above the free-delivery threshold: marketing offers nothing to reach.
      const steps = stepsOf(context)
      assert.strictEqual(steps[0], "cart.find")
      assert.sameMembers(steps.slice(1, 6), [...SOURCES])
      assert.deepStrictEqual(steps.slice(6), ["product.searchMany", "inventory.checkAvailability"])
    })
  )

  it.effect("a cart with one screen protector is 450.00 short of free delivery; the earbuds clear it", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      yield* asRequest(
        flows.itemsFull({ owner: asha, cartType: "BUY_NOW", request: ops({ op: "SET", product_id: "prod_screen", quantity: 1 }) })
      )
      const { result } = yield* suggestionsFor(asha, "BUY_NOW")
      assert.deepStrictEqual<unknown>(groupOf(result, "THRESHOLD_BASED"), {
        type: "THRESHOLD_BASED",
        title: "Add ₹450 more for FREE Delivery!",
        threshold: { target_amount: 59_900, current_amount: 14_900, remaining_amount: 45_000, benefit: "FREE_DELIVERY" },
        items: [{ product_id: "prod_earbuds", name: "Bluetooth Earbuds", price: 129_900 }]
      })
      assert.deepStrictEqual(idsIn(result, "REMINDER"), ["prod_mug"])
      assert.deepStrictEqual(result.meta.suggestion_types, ["THRESHOLD_BASED", "REMINDER"])
    })
  )

  it.effect("an owner without a cart gets no suggestions, after one step", () =>
    Effect.gen(function* () {
      for (const owner of [guest(`nobody_${Date.now()}`), freshCustomer()]) {
        const { result, context } = yield* suggestionsFor(owner)
        assert.deepStrictEqual(result, {
          success: true,
          suggestions: [],
          meta: { total_suggestions: 0, suggestion_types: [], degraded_sources: [] }
        })
        assert.deepStrictEqual(stepsOf(context), ["cart.find"])
      }
    })
  )

  it.effect("a guest's cart is not asked about reminders: there is no customer to remind", () =>
    Effect.gen(function* () {
      const visitor = guest(`visitor_${Date.now()}`)
      yield* phoneAndCase(visitor)
      const { result, context } = yield* suggestionsFor(visitor)
      assert.notInclude(stepsOf(context), "recommendations.reminders")
      assert.deepStrictEqual(result.meta.suggestion_types, ["COMPLEMENTARY", "BUNDLE", "UPSELL"])
      assert.deepStrictEqual(result.meta.degraded_sources, [])
    })
  )

  it.effect("any one source failing (503) leaves it out, names it, and keeps the others", () =>
    Effect.gen(function* () {
      yield* phoneAndCase(asha)
      const groupOfSource: Record<(typeof SOURCES)[number], SuggestionType | undefined> = {
        "recommendations.complementary": "COMPLEMENTARY",
        "marketing.bundlesApplicable": "BUNDLE",
        "recommendations.upsells": "UPSELL",
        // The cart is above every threshold: there is no threshold group to lose.
        "marketing.thresholdOffers": undefined,
        "recommendations.reminders": "REMINDER"
      }
      for (const source of SOURCES) {
        const { result, context } = yield* withFaults(
          [{ target: source, fault: Fault.Error({ status: 503 }), rate: 1 }],
          suggestionsFor(asha)
        )
        assert.isTrue(result.success)
        assert.deepStrictEqual(result.meta.degraded_sources, [source])
        const lost = groupOfSource[source]
        const expected = (["COMPLEMENTARY", "BUNDLE", "UPSELL", "REMINDER"] as const).filter((t) => t !== lost)
        assert.deepStrictEqual(result.meta.suggestion_types, expected, source)
        assert.deepInclude<unknown>(
          context.trace.find((r) => r.step === source),
          { outcome: "degraded", critical: false, attempts: defaultStepPolicy.retries + 1 }
        )
      }
      // Without complementary, the earbuds fall back to the wishlist reminder.
      const { result } = yield* withFaults(
        [{ target: "recommendations.complementary", fault: Fault.Error({ status: 503 }), rate: 1 }],
        suggestionsFor(asha)
      )
      assert.deepStrictEqual(idsIn(result, "REMINDER"), ["prod_earbuds", "prod_mug"])
    })
  )

  it.effect("products and stock are critical: without them nothing could be suggested truthfully", () =>
    Effect.gen(function* () {
      yield* phoneAndCase(asha)
      const products = yield* Effect.flip(
        withFaults([{ target: "product.searchMany", fault: Fault.Error({ status: 503 }), rate: 1 }], suggestionsFor(asha))
      )
      const stock = yield* Effect.flip(
        withFaults([{ target: "inventory.checkAvailability", fault: Fault.Error({ status: 500 }), rate: 1 }], suggestionsFor(asha))
      )
      assert.deepInclude<unknown>(products, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "product" })
      assert.deepInclude<unknown>(stock, { _tag: "DOWNSTREAM_ERROR", service: "inventory" })
    })
  )

  it.effect("a cart changed since its last computation is offered no threshold rather than one from stale totals", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops({ op: "SET", product_id: "prod_screen", quantity: 1 }) }))
      const { result, context } = yield* suggestionsFor(owner)
      assert.isUndefined(groupOf(result, "THRESHOLD_BASED"))
      assert.notInclude(stepsOf(context), "marketing.thresholdOffers")
      assert.deepStrictEqual(result.meta.degraded_sources, [])
    })
  )
})

// Time itself is what these two check: on the TestClock, where a latency or a timeout takes exactly
// as long as it says, whatever the load on the machine.
layer(SuggestionsSandbox)("suggestions flow on the TestClock", (it) => {
  it.effect("the five sources run at once, and products are searched once they have all answered", () =>
    Effect.gen(function* () {
      yield* phoneAndCase(asha)
      const slow = (target: string): FaultRule => ({ target, fault: Fault.Latency({ millis: 60 }), rate: 1 })
      const asked = yield* Effect.forkChild(withFaults([slow("recommendations.*"), slow("marketing.*")], suggestionsFor(asha)))
      yield* TestClock.adjust(60)
      const { context } = yield* Fiber.join(asked)
      const sources = context.trace.filter((r) => SOURCES.some((s) => s === r.step))
      assert.strictEqual(sources.length, 5)
      // All five started together and took their 60 ms side by side: one after the other would end at 300.
      assert.deepStrictEqual(
        sources.map((r) => [r.start_ms, r.duration_ms]),
        sources.map(() => [0, 60])
      )
      const search = context.trace.find((r) => r.step === "product.searchMany")
      assert.strictEqual(search?.start_ms, 60)
    })
  )

  it.effect("a source that never answers is cut at its read timeout: the answer comes without it, at that timeout", () =>
    Effect.gen(function* () {
      yield* phoneAndCase(asha)
      const startedAt = yield* Clock.currentTimeMillis
      const asked = yield* Effect.forkChild(
        withFaults([{ target: "marketing.bundlesApplicable", fault: Fault.Timeout(), rate: 1 }], suggestionsFor(asha))
      )
      yield* TestClock.adjust(defaultStepPolicy.readTimeoutMs - 1)
      assert.isUndefined(asked.pollUnsafe())
      // Past the source's timeout only its retry's backoff is left, and no retry outlives the timeout's deadline.
      while (asked.pollUnsafe() === undefined && (yield* Clock.currentTimeMillis) - startedAt < 2 * defaultStepPolicy.readTimeoutMs) {
        yield* TestClock.adjust(5)
      }
      const { result, context } = yield* Fiber.join(asked)
      assert.isAtMost((yield* Clock.currentTimeMillis) - startedAt, defaultStepPolicy.readTimeoutMs + defaultStepPolicy.retryBaseMs * 4)
      assert.isTrue(result.success)
      assert.deepStrictEqual(result.meta.degraded_sources, ["marketing.bundlesApplicable"])
      assert.deepStrictEqual(result.meta.suggestion_types, ["COMPLEMENTARY", "UPSELL", "REMINDER"])
      assert.deepInclude<unknown>(
        context.trace.find((r) => r.step === "marketing.bundlesApplicable"),
        { outcome: "degraded", critical: false }
      )
    })
  )
})
