import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Schema } from "effect"
import type { Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { StoreUnavailable } from "@orchestra/core/stores/StoreUnavailable"
import { Fault, makeGate, openGate } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox, SandboxDownstreams } from "../../src/sandbox/Sandbox.ts"
import { asRequest, freshCustomer, ops } from "./support.ts"

/** The cart flows over a fresh sandbox and `cache` (memory by default). */
const world = (cache: Layer.Layer<CartCache> = CartCache.layerMemory) =>
  CartFlowsLive.pipe(
    Layer.provideMerge(SandboxDownstreams),
    Layer.provideMerge(Layer.mergeAll(Sandbox.layer, FaultInjector.layer, cache))
  )

const options = Schema.decodeUnknownSync(UpdateOptionsRequest)
const express = options({ delivery_option: { delivery_option_id: "deliv_opt_express" } })
const standard = options({ delivery_option: { delivery_option_id: "deliv_opt_123" } })
const phone = ops({ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 })
const oneCase = ops({ op: "ADD", product_id: "prod_case", quantity: 1 })

/** A request as one with this `Idempotency-Key` runs. */
const keyed = <A, E, R>(key: string, flow: Effect.Effect<A, E, R | RequestContext>) =>
  Effect.gen(function* () {
    const context = yield* RequestContext.make({ requestId: `test-${key}`, deadlineMs: 5_000, idempotencyKey: key })
    return yield* Effect.provideService(flow, RequestContext, context)
  })

/** The cached GET as a client sees it: from the cache or not, and the cart. */
const cached = (owner: Owner) => Effect.flatMap(CartFlows, (flows) => Effect.map(asRequest(flows.getCached({ owner, cartType: "DEFAULT" })), (r) => r.result))

const serviceCart = (owner: Owner) =>
  Effect.map(Sandbox, (sandbox) =>
    sandbox.simulators.cart.carts().find((cart) => cart.customer_id === (owner._tag === "Customer" ? owner.customerId : undefined))
  )

describe("issue 14, 1: a full GET never writes what it read over a newer change", () => {
  it.live("a GET racing a PUT that switches express → standard: the cart service and the cache keep the standard charge", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: phone }))
      yield* asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: express }))

      // The GET reads the express cart, then waits in its parallel group (stock) while the PUT runs whole.
      const gate = yield* makeGate
      yield* injector.set([{ target: "inventory.checkAvailability", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
      const get = yield* Effect.forkChild(asRequest(flows.getFull({ owner, cartType: "DEFAULT" })))
      yield* Deferred.await(gate.reached)
      // Only that call is held: the rule goes, so every later call passes.
      yield* injector.clear
      const put = yield* asRequest(flows.updateOptions({ owner, cartType: "DEFAULT", request: standard }))
      assert.strictEqual(put.result.cart.totals.delivery_charge, 0)
      yield* openGate(gate)
      const { result } = yield* Fiber.join(get)

      // The GET answers the cart as it read it, flagged, and wrote nothing.
      assert.isTrue(result.stale)
      assert.include(result.warnings.map((w) => w.code), "CART_CHANGED")
      const stored = yield* serviceCart(owner)
      assert.strictEqual(stored?.delivery_option?.delivery_option_id, "deliv_opt_123")
      assert.strictEqual(stored?.totals.delivery_charge, 0)
      const fromCache = yield* cached(owner)
      assert.isTrue(fromCache.from_cache)
      assert.strictEqual("version" in fromCache.cart ? fromCache.cart.version : undefined, stored?.version)
      assert.strictEqual(fromCache.cart.totals.delivery_charge, 0)
    }).pipe(Effect.provide(world()))
  )
})

describe("issue 14, 2: a keyed mutation applies once, also when its first attempt failed with a 5xx", () => {
  it.live("an add whose compute failed after the batch landed, retried with its key, adds once", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      const add = flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase })
      yield* injector.set([{ target: "cart.compute", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const failed = yield* Effect.flip(keyed("add-case-1", add))
      assert.strictEqual(failed._tag, "DOWNSTREAM_UNAVAILABLE")
      assert.strictEqual((yield* serviceCart(owner))?.items[0]?.quantity, 1)
      yield* injector.clear
      const retried = yield* keyed("add-case-1", add)
      assert.deepStrictEqual(
        retried.cart.items.map((line) => [line.product_id, line.quantity]),
        [["prod_case", 1]]
      )
      assert.deepStrictEqual(
        retried.results.map((r) => [r.status, r.action_taken]),
        [["SUCCESS", "ADDED"]]
      )
      // Without a key, behaviour is as before: a second request is a second add.
      const unkeyed = yield* asRequest(add)
      assert.strictEqual(unkeyed.result.cart.items[0]?.quantity, 2)
    }).pipe(Effect.provide(world()))
  )

  it.live("an options change and a delete retried with their keys act once", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase }))
      const before = (yield* serviceCart(owner))!.version
      yield* injector.set([{ target: "cart.compute", fault: Fault.Error({ status: 503 }), rate: 1 }])
      yield* Effect.flip(keyed("tip-1", flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ tips: { amount: 5, currency: "INR" } }) })))
      yield* injector.clear
      yield* keyed("tip-1", flows.updateOptions({ owner, cartType: "DEFAULT", request: options({ tips: { amount: 5, currency: "INR" } }) }))
      // One change of options: one version more, not two.
      assert.strictEqual((yield* serviceCart(owner))?.version, before + 1)

      // The delete's removal lands but its answer is lost (a timeout): the retry answers it again.
      yield* injector.set([{ target: "inventory.releaseReservations", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const deleted = yield* keyed("delete-1", flows.deleteCart({ owner, cartType: "DEFAULT" }))
      yield* injector.clear
      const again = yield* keyed("delete-1", flows.deleteCart({ owner, cartType: "DEFAULT" })).pipe(Effect.flip)
      // The cart is gone; a repeated delete under the same key finds none to delete (the HTTP layer replays the first answer).
      assert.strictEqual(again._tag, "CART_NOT_FOUND")
      assert.isString(deleted.cart_id)
    }).pipe(Effect.provide(world()))
  )
})

/** A memory cache whose writes fail while `failing.now` is set, as a cache whose breaker is open. */
const flakyCache = (failing: { now: boolean }) =>
  Layer.effect(
    CartCache,
    Effect.gen(function* () {
      const cache = yield* CartCache
      const down = new StoreUnavailable({ store: "CartCache", message: "breaker open", reason: "Down" })
      const unlessFailing = <A>(effect: Effect.Effect<A, StoreUnavailable>) => Effect.suspend(() => (failing.now ? Effect.fail(down) : effect))
      return CartCache.of({
        ...cache,
        set: (entry) => unlessFailing(cache.set(entry)),
        invalidate: (cartId, version) => unlessFailing(cache.invalidate(cartId, version)),
        remove: (cartId) => unlessFailing(cache.remove(cartId))
      })
    })
  ).pipe(Layer.provide(CartCache.layerMemory))

describe("issue 14, 3: the cache is never older than the last acknowledged mutation", () => {
  it.live("a mutation that fails after the cart service applied it leaves a tombstone: the old entry is not served", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase }))
      assert.isTrue((yield* cached(owner)).from_cache)
      yield* injector.set([{ target: "cart.compute", fault: Fault.Error({ status: 503 }), rate: 1 }])
      yield* Effect.flip(asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase })))
      yield* injector.clear
      const after = yield* cached(owner)
      assert.isFalse(after.from_cache)
      assert.strictEqual(after.cart.items[0]?.quantity, 2)
    }).pipe(Effect.provide(world()))
  )

  it.live("a cache write that did not happen leaves nothing older to serve; once writes work, the cache serves the new cart", () => {
    const failing = { now: false }
    return Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase }))
      assert.isTrue((yield* cached(owner)).from_cache)
      failing.now = true
      const changed = yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase }))
      assert.include(changed.result.warnings.map((w) => w.code), "CACHE_UNAVAILABLE")
      const meanwhile = yield* cached(owner)
      assert.isFalse(meanwhile.from_cache)
      assert.strictEqual(meanwhile.cart.items[0]?.quantity, 2)
      failing.now = false
      yield* asRequest(flows.getFull({ owner, cartType: "DEFAULT" }))
      const back = yield* cached(owner)
      assert.isTrue(back.from_cache)
      assert.strictEqual(back.cart.items[0]?.quantity, 2)
    }).pipe(Effect.provide(world(flakyCache(failing))))
  })

  it.live("DELETE leaves a tombstone: a write of the deleted cart that arrives late (a slow GET's) is refused", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const owner = freshCustomer()
      const { result } = yield* asRequest(flows.itemsFull({ owner, cartType: "DEFAULT", request: oneCase }))
      const cache = yield* CartCache
      const entry = Option.getOrThrow(yield* cache.get(result.cart.cart_id))
      yield* asRequest(flows.deleteCart({ owner, cartType: "DEFAULT" }))
      assert.strictEqual(yield* cache.set({ ...entry, computedAt: entry.computedAt + 1 }), "stale")
      assert.deepStrictEqual(yield* cache.get(result.cart.cart_id), Option.none())
      assert.strictEqual((yield* cached(owner)).cart.cart_id, null)
    }).pipe(Effect.provide(world()))
  )
})
