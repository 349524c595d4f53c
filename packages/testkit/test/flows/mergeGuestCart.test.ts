import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import type { Cart } from "@orchestra/core/domain/Cart"
import { CouponCode } from "@orchestra/core/domain/Ids"
import { ownerKey, type Owner } from "@orchestra/core/domain/Owner"
import { cartBusy } from "@orchestra/core/flows/cartBusy"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import type { UnderBothLocks } from "@orchestra/core/flows/mergeGuestCart"
import { UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { CartCache } from "@orchestra/core/stores/CartCache"
import { CartLock } from "@orchestra/core/stores/CartLock"
import { Fault, makeGate, openGate } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { Sandbox, SandboxDownstreams } from "../../src/sandbox/Sandbox.ts"
import { asRequest, freshCustomer, guest as guestOf, ops } from "./support.ts"

/** The cart flows over a fresh sandbox, with the memory lock and cache. */
const World = CartFlowsLive.pipe(
  Layer.provideMerge(SandboxDownstreams),
  Layer.provideMerge(Layer.mergeAll(Sandbox.layer, FaultInjector.layer, CartCache.layerMemory, CartLock.layerMemory))
)

/** Both carts' locks as the HTTP edge takes them (customer first: its scope sorts first), without its in-process fallback. */
const bothLocks = Effect.gen(function* () {
  const lock = yield* CartLock
  const underBothLocks: UnderBothLocks = (carts, body) => {
  const fenced = <A, E, R>(scope: string, inner: (fence: number) => Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      lock.acquire(scope).pipe(Effect.catch(() => cartBusy("busy"))),
      (lease) => lock.holding(lease, inner(lease.fence)),
      (lease) => Effect.ignore(lock.release(lease))
    )
  return fenced(ownerKey(carts.customer.owner, "DEFAULT"), (customer) =>
    fenced(ownerKey(carts.guest.owner, "DEFAULT"), (guest) => body({ customer, guest }))
  )
  }
  return underBothLocks
})

let sessions = 0
const freshGuest = () => guestOf(`sess_test_${++sessions}_${Date.now()}`)

const quantities = (cart: Pick<Cart, "items"> | undefined) =>
  Object.fromEntries((cart?.items ?? []).map((line) => [line.product_id, line.quantity]))

const serviceCart = (owner: Owner) =>
  Effect.map(Sandbox, (sandbox) =>
    sandbox.simulators.cart
      .carts()
      .find((cart) =>
        owner._tag === "Customer" ? cart.customer_id === owner.customerId : cart.session_id === owner.sessionId && cart.customer_id === undefined
      )
  )

const addFor = (owner: Owner, ...operations: ReadonlyArray<unknown>) =>
  Effect.flatMap(CartFlows, (flows) => asRequest(flows.itemsLite({ owner, cartType: "DEFAULT", request: ops(...operations) })))

const merge = (customer: Owner, guest: Owner) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    const underBothLocks = yield* bothLocks
    return yield* asRequest(flows.mergeGuestCart({ customer, guest, underBothLocks }))
  })

const cartMergeCalls = Effect.gen(function* () {
  const injector = yield* FaultInjector
  return injector.calls().filter((call) => call === "cart.merge").length
})

describe("guest cart merge on sign-in (issue 15)", () => {
  it.effect("the customer's options win, the guest's valid coupons are kept, the guest cart and its cache entry go", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const customer = freshCustomer()
      const guest = freshGuest()
      yield* addFor(customer, { op: "ADD", product_id: "prod_case", quantity: 1 })
      yield* asRequest(
        flows.updateOptions({
          owner: customer,
          cartType: "DEFAULT",
          request: Schema.decodeUnknownSync(UpdateOptionsRequest)({ pickup_point: { pickup_point_id: "pickup_1" } })
        })
      )
      yield* asRequest(flows.itemsFull({ owner: guest, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }) }))
      yield* asRequest(
        flows.updateOptions({
          owner: guest,
          cartType: "DEFAULT",
          request: Schema.decodeUnknownSync(UpdateOptionsRequest)({
            coupons: [{ code: "SAVE20" }],
            delivery_option: { delivery_option_id: "deliv_opt_express" }
          })
        })
      )
      const guestCart = (yield* serviceCart(guest))!
      assert.isTrue((yield* asRequest(flows.getCached({ owner: guest, cartType: "DEFAULT" }))).result.from_cache)

      const { result } = yield* merge(customer, guest)
      const merged = Option.getOrThrow(result)
      assert.strictEqual(merged.guest_cart_id, guestCart.cart_id)
      assert.deepStrictEqual(merged.lines.map((l) => [l.product_id, l.status, l.quantity_merged]), [["prod_phone", "MERGED", 1]])
      assert.deepStrictEqual(merged.coupons, [{ code: CouponCode.make("SAVE20"), status: "KEPT" }])

      const cart = (yield* serviceCart(customer))!
      assert.deepStrictEqual(quantities(cart), { prod_case: 1, prod_phone: 1 })
      assert.strictEqual(cart.pickup_point?.pickup_point_id, "pickup_1")
      assert.isUndefined(cart.delivery_option)
      assert.deepStrictEqual(cart.coupons, [{ code: CouponCode.make("SAVE20") }])
      assert.isDefined(merged.lines[0]!.item_id)
      assert.isTrue(cart.items.some((line) => line.item_id === merged.lines[0]!.item_id))

      // The guest's cart is gone, and so is its cached copy and its owner index entry.
      assert.isUndefined(yield* serviceCart(guest))
      assert.isTrue(Option.isNone(yield* (yield* CartCache).ownerCartId(ownerKey(guest, "DEFAULT"))))
      const guestRead = (yield* asRequest(flows.getCached({ owner: guest, cartType: "DEFAULT" }))).result
      assert.isFalse(guestRead.from_cache)
      assert.deepStrictEqual(guestRead.cart.items, [])
      // The customer's cached copy is the merged cart, not the one before.
      assert.deepStrictEqual(quantities((yield* asRequest(flows.getCached({ owner: customer, cartType: "DEFAULT" }))).result.cart), {
        prod_case: 1,
        prod_phone: 1
      })
    }).pipe(Effect.provide(World))
  )

  it.effect("the guest's coupons are kept unverified when the marketing service does not answer, and the merge says so", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const customer = freshCustomer()
      const guest = freshGuest()
      yield* asRequest(flows.itemsFull({ owner: guest, cartType: "DEFAULT", request: ops({ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 }) }))
      yield* asRequest(
        flows.updateOptions({ owner: guest, cartType: "DEFAULT", request: Schema.decodeUnknownSync(UpdateOptionsRequest)({ coupons: [{ code: "SAVE20" }] }) })
      )
      yield* injector.set([{ target: "marketing.validateCoupons", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const merging = yield* Effect.forkChild(merge(customer, guest))
      // The read's retries wait their backoff.
      yield* TestClock.adjust("1 second")
      const { result, context } = yield* Fiber.join(merging)
      const merged = Option.getOrThrow(result)
      assert.deepStrictEqual(merged.coupons, [{ code: CouponCode.make("SAVE20"), status: "KEPT", reason: "UNVERIFIED" }])
      assert.deepStrictEqual(merged.warnings.map((w) => w.code), ["GUEST_COUPONS_UNVERIFIED"])
      assert.deepStrictEqual(context.warnings.map((w) => w.code), ["GUEST_COUPONS_UNVERIFIED"])
      assert.deepStrictEqual((yield* serviceCart(customer))?.coupons, [{ code: CouponCode.make("SAVE20") }])
    }).pipe(Effect.provide(World))
  )

  it.effect("fast path: once the guest has nothing to merge, a request with both headers makes no downstream call; a guest's add undoes it", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const customer = freshCustomer()
      const guest = freshGuest()
      // No guest cart: one lookup, then the mark.
      const before = injector.calls().length
      assert.isTrue(Option.isNone((yield* merge(customer, guest)).result))
      assert.deepStrictEqual(injector.calls().slice(before), ["cart.find"])
      for (let i = 0; i < 3; i++) {
        const again = injector.calls().length
        assert.isTrue(Option.isNone((yield* merge(customer, guest)).result))
        assert.deepStrictEqual(injector.calls().slice(again), [])
      }
      // The guest adds (as the HTTP edge does for a session's add): the next request with both headers merges it.
      yield* asRequest(flows.guestCartTouched({ guest }))
      yield* addFor(guest, { op: "ADD", product_id: "prod_mug", quantity: 2 })
      const { result } = yield* merge(customer, guest)
      assert.deepStrictEqual(Option.getOrThrow(result).lines.map((l) => l.quantity_merged), [2])
      const after = injector.calls().length
      assert.isTrue(Option.isNone((yield* merge(customer, guest)).result))
      assert.deepStrictEqual(injector.calls().slice(after), [])
    }).pipe(Effect.provide(World))
  )

  it.effect("a merge whose reply is lost (it timed out, but happened) is sent again with its key: merged once", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const customer = freshCustomer()
      const guest = freshGuest()
      yield* addFor(customer, { op: "ADD", product_id: "prod_case", quantity: 1 })
      yield* addFor(guest, { op: "ADD", product_id: "prod_case", quantity: 2 }, { op: "ADD", product_id: "prod_mug", quantity: 1 })

      // The first merge call is held at the cart service, then acts, and its reply never comes.
      const gate = yield* makeGate
      yield* injector.set([
        { target: "cart.merge", fault: Fault.Hold({ gate, point: "before" }), rate: 1 },
        { target: "cart.merge", fault: Fault.LostReply(), rate: 1 }
      ])
      const merging = yield* Effect.forkChild(merge(customer, guest))
      yield* Deferred.await(gate.reached)
      // Only that call is faulty: the retry passes.
      yield* injector.clear
      yield* openGate(gate)
      // The write's timeout (2 s) ends the first attempt; the step runner sends it again with the same key.
      yield* TestClock.adjust("3 seconds")
      const { result, context } = yield* Fiber.join(merging)

      assert.deepStrictEqual(Option.getOrThrow(result).lines.map((l) => [l.product_id, l.quantity_merged]), [
        ["prod_case", 2],
        ["prod_mug", 1]
      ])
      assert.strictEqual(context.trace.find((record) => record.step === "cart.merge")?.attempts, 2)
      assert.strictEqual(yield* cartMergeCalls, 2)
      assert.deepStrictEqual(quantities(yield* serviceCart(customer)), { prod_case: 3, prod_mug: 1 })
      assert.isUndefined(yield* serviceCart(guest))
    }).pipe(Effect.provide(World))
  )

  it.effect("a merge whose every reply is lost fails the request; the next request finds it done and merges nothing more", () =>
    Effect.gen(function* () {
      const flows = yield* CartFlows
      const injector = yield* FaultInjector
      const customer = freshCustomer()
      const guest = freshGuest()
      yield* addFor(customer, { op: "ADD", product_id: "prod_case", quantity: 1 })
      // Cached before the merge: a failed merge must not leave this copy to be served.
      assert.isTrue((yield* asRequest(flows.getCached({ owner: customer, cartType: "DEFAULT" }))).result.from_cache)
      yield* addFor(guest, { op: "ADD", product_id: "prod_case", quantity: 2 })
      yield* injector.set([{ target: "cart.merge", fault: Fault.LostReply(), rate: 1 }])
      const merging = yield* Effect.forkChild(Effect.exit(merge(customer, guest)))
      yield* TestClock.adjust("10 seconds")
      const failed = yield* Fiber.join(merging)
      assert.isTrue(Exit.isFailure(failed))
      yield* injector.clear

      assert.deepStrictEqual(quantities(yield* serviceCart(customer)), { prod_case: 3 })
      assert.isTrue(Option.isNone((yield* merge(customer, guest)).result))
      assert.deepStrictEqual(quantities(yield* serviceCart(customer)), { prod_case: 3 })
      assert.deepStrictEqual(quantities((yield* asRequest(flows.getCached({ owner: customer, cartType: "DEFAULT" }))).result.cart), { prod_case: 3 })
    }).pipe(Effect.provide(World))
  )

  it.live("ten concurrent first requests merge once: the one holding both locks merges, the nine after it find nothing to merge", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const customer = freshCustomer()
      const guest = freshGuest()
      yield* addFor(customer, { op: "ADD", product_id: "prod_screen", quantity: 1 })
      yield* addFor(guest, { op: "ADD", product_id: "prod_screen", quantity: 2 }, { op: "ADD", product_id: "prod_mug", quantity: 1 })
      // The first to hold both locks is stopped at its merge call until all ten are running.
      const gate = yield* makeGate
      yield* injector.set([{ target: "cart.merge", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
      const started = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.forkChild(merge(customer, guest)))
      yield* Deferred.await(gate.reached)
      yield* injector.clear
      yield* openGate(gate)
      const answers = yield* Effect.forEach(started, Fiber.join)
      assert.strictEqual(answers.filter(({ result }) => Option.isSome(result)).length, 1)
      assert.strictEqual(yield* cartMergeCalls, 1)
      assert.deepStrictEqual(quantities(yield* serviceCart(customer)), { prod_screen: 3, prod_mug: 1 })
      assert.isUndefined(yield* serviceCart(guest))
    }).pipe(Effect.provide(World))
  )
})
