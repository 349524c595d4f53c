import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import type { Cart } from "@orchestra/core/domain/Cart"
import { ownerKey, type Owner } from "@orchestra/core/domain/Owner"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { removeOrderedLines } from "@orchestra/core/flows/removeOrderedLines"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock, CurrentCartFence } from "@orchestra/core/stores/CartLock"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox, SandboxDownstreams } from "../../src/sandbox/Sandbox.ts"
import { asRequest, freshCustomer, ops } from "./support.ts"

/** The cart flows over a fresh sandbox, with the memory lock and cache phase 2 uses. */
const World = CartFlowsLive.pipe(
  Layer.provideMerge(SandboxDownstreams),
  Layer.provideMerge(Layer.mergeAll(Sandbox.layer, FaultInjector.layer, CartCache.layerMemory, CartLock.layerMemory))
)

const quantities = (cart: Pick<Cart, "items"> | undefined) =>
  Object.fromEntries((cart?.items ?? []).map((line) => [line.product_id, line.quantity]))

/** The cart the customer ordered: a phone and two cases, computed and cached. */
const ordered = (owner: Owner) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    const { result } = yield* asRequest(
      flows.itemsFull({
        owner,
        cartType: "DEFAULT",
        request: ops(
          { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
          { op: "ADD", product_id: "prod_case", quantity: 2 }
        )
      })
    )
    return result.cart
  })

const orderOf = (cart: Cart) => cart.items.map((line) => ({ item_id: line.item_id, quantity: line.quantity }))

const removeFor = (owner: Owner, cart: Cart, lines = orderOf(cart), clientKey = "order-1") =>
  Effect.map(asRequest(removeOrderedLines({ owner, cartType: "DEFAULT", cartId: cart.cart_id, lines, clientKey })), (r) => r.result)

const addWhilePaying = (owner: Owner, ...operations: ReadonlyArray<unknown>) =>
  Effect.flatMap(CartFlows, (flows) => asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops(...operations) })))

const cachedCart = (owner: Owner) => Effect.flatMap(CartFlows, (flows) => asRequest(flows.getCached({ owner, cartType: "DEFAULT" })))

describe("phase 2 takes the ordered lines out of the cart (issue 14)", () => {
  it.effect("a line that grew while paying keeps the difference, a line added stays, the rest goes; the cache serves nothing older", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* ordered(owner)
      yield* addWhilePaying(owner, { op: "ADD", product_id: "prod_case", quantity: 1 }, { op: "ADD", product_id: "prod_screen", quantity: 1 })
      assert.isTrue((yield* cachedCart(owner)).result.from_cache)

      const result = yield* removeFor(owner, cart)
      const phone = cart.items.find((line) => line.product_id === "prod_phone")!
      const cases = cart.items.find((line) => line.product_id === "prod_case")!
      assert.deepStrictEqual(result.removed, [phone.item_id])
      assert.deepStrictEqual(result.reduced, [cases.item_id])
      assert.deepStrictEqual(quantities(Option.getOrUndefined(result.cart)), { prod_case: 1, prod_screen: 1 })

      const after = yield* cachedCart(owner)
      assert.isFalse(after.result.from_cache)
      assert.deepStrictEqual(quantities(after.result.cart), { prod_case: 1, prod_screen: 1 })
    }).pipe(Effect.provide(World))
  )

  it.effect("an order of every line empties the cart: it is deleted, and the cache and the owner's index forget it", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* ordered(owner)
      const result = yield* removeFor(owner, cart)
      assert.isTrue(Option.isNone(result.cart))
      assert.strictEqual((yield* Sandbox).simulators.cart.cartById(cart.cart_id), undefined)
      assert.deepStrictEqual(yield* (yield* CartCache).ownerCartId(ownerKey(owner, "DEFAULT")), Option.none())
      const after = yield* cachedCart(owner)
      assert.isFalse(after.result.from_cache)
      assert.strictEqual(after.result.cart.cart_id, null)
      // Run again (a retry, a replayed workflow): the cart is gone, which is what the step wants.
      assert.isTrue(Option.isNone((yield* removeFor(owner, cart, orderOf(cart), "order-1")).cart))
    }).pipe(Effect.provide(World))
  )

  it.effect("run twice with the same checkout key, it removes once", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* ordered(owner)
      const cases = cart.items.find((line) => line.product_id === "prod_case")!
      yield* addWhilePaying(owner, { op: "ADD", product_id: "prod_case", quantity: 3 })
      const order = [{ item_id: cases.item_id, quantity: 2 }]
      yield* removeFor(owner, cart, order)
      const again = yield* removeFor(owner, cart, order)
      assert.deepStrictEqual(quantities(Option.getOrUndefined(again.cart)), { prod_phone: 1, prod_case: 3 })
      // Another checkout's key is another removal.
      const other = yield* removeFor(owner, cart, order, "order-2")
      assert.deepStrictEqual(quantities(Option.getOrUndefined(other.cart)), { prod_phone: 1, prod_case: 1 })
    }).pipe(Effect.provide(World))
  )

  it.effect("waits for the cart's lock: a change in flight lands first, and its line stays", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* ordered(owner)
      const lock = yield* CartLock
      const go = yield* Deferred.make<void>()
      // A mutation holds the cart: it adds a line once let go.
      const mutation = yield* Effect.forkChild(
        lock.withLock(
          ownerKey(owner, "DEFAULT"),
          Effect.andThen(Deferred.await(go), addWhilePaying(owner, { op: "ADD", product_id: "prod_mug", quantity: 1 }))
        )
      )
      yield* TestClock.adjust(1)
      const removal = yield* Effect.forkChild(removeFor(owner, cart))
      yield* TestClock.adjust(500)
      assert.isUndefined(removal.pollUnsafe())
      yield* Deferred.succeed(go, undefined)
      yield* Fiber.join(mutation)
      yield* TestClock.adjust(500)
      const result = yield* Fiber.join(removal)
      assert.deepStrictEqual(quantities(Option.getOrUndefined(result.cart)), { prod_mug: 1 })
    }).pipe(Effect.provide(World))
  )

  it.effect("a holder whose lease lapsed cannot write after phase 2 took the cart: its fencing token is refused", () =>
    Effect.gen(function* () {
      const owner = freshCustomer()
      const cart = yield* ordered(owner)
      const lock = yield* CartLock
      // A mutation took the lock, then its process stopped for longer than the lease.
      const paused = yield* lock.acquire(ownerKey(owner, "DEFAULT"), { leaseMs: 300 })
      yield* TestClock.adjust(301)
      const kept = yield* removeFor(owner, cart, [{ item_id: cart.items[0]!.item_id, quantity: 1 }])
      const late = yield* Effect.flip(
        addWhilePaying(owner, { op: "ADD", product_id: "prod_mug", quantity: 1 }).pipe(Effect.provideService(CurrentCartFence, paused.fence))
      )
      assert.strictEqual(late._tag, "CART_BUSY")
      assert.deepStrictEqual(
        quantities((yield* Sandbox).simulators.cart.cartById(cart.cart_id)),
        quantities(Option.getOrUndefined(kept.cart))
      )
    }).pipe(Effect.provide(World))
  )

  const Quantity = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 }))
  it.effect.prop(
    "whatever was ordered and added meanwhile, each line ends at what it had less what was ordered, never below nothing",
    [Quantity, Quantity, Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 4 })), Schema.Boolean],
    ([phones, cases, moreCases, screen]) =>
      Effect.gen(function* () {
        const owner = freshCustomer()
        const flows = yield* CartFlows
        const { result } = yield* asRequest(
          flows.itemsLite({
            owner,
            cartType: "DEFAULT",
            request: ops(
              { op: "ADD", product_id: "prod_earbuds", quantity: phones },
              { op: "ADD", product_id: "prod_case", quantity: cases }
            )
          })
        )
        const order = orderOf(result.cart)
        if (moreCases > 0) yield* addWhilePaying(owner, { op: "ADD", product_id: "prod_case", quantity: moreCases })
        if (screen) yield* addWhilePaying(owner, { op: "ADD", product_id: "prod_screen", quantity: 1 })
        const removal = yield* removeFor(owner, result.cart, order)
        const expected = { ...(moreCases > 0 ? { prod_case: moreCases } : {}), ...(screen ? { prod_screen: 1 } : {}) }
        assert.deepStrictEqual(quantities(Option.getOrUndefined(removal.cart)), expected)
      }).pipe(Effect.provide(World)),
    { arbitrary: { runs: 25 } }
  )
})
