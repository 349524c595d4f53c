import { Clock, Context, Effect, Option, Schema } from "effect"
import { Cart } from "../domain/Cart.ts"
import type { IndexedOperation } from "../domain/CartLines.ts"
import type { AddressId, CartId, CouponCode, DeliveryOptionId, DomainId, GiftWrapId, PaymentMethodId, PickupPointId, ProductId, StoreId } from "../domain/Ids.ts"
import { settledCart } from "../domain/LinePrice.ts"
import type { Minor } from "../domain/Money.ts"
import { downstreamKey, keyScope } from "../domain/IdempotencyKey.ts"
import { type CartType, type Owner, ownerKey, toOwnerRef } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { optionalStep, runStep } from "../runtime/StepRunner.ts"
import type { ComputeInput, StoredOptions, WriteGuard } from "../services/Cart.ts"
import type { DownstreamFailure } from "../services/DownstreamErrors.ts"
import { ResourceNotFound } from "../services/DownstreamErrors.ts"
import { CurrentCartFence } from "../stores/CartLock.ts"
import type { StoreUnavailable } from "../stores/StoreUnavailable.ts"
import type { StockLine } from "../services/Inventory.ts"
import type { CartScope } from "./CartFlows.ts"
import type { FlowDeps } from "./FlowDeps.ts"

const CartJson = Schema.fromJsonString(Cart)
const encodeCart = Schema.encodeSync(CartJson)
/**
 * A cached cart is one we encoded ourselves from a valid cart: its shape is checked (an entry
 * written by an older release must not be served as a cart), its refinements (each amount's
 * decimals, each id's pattern) are not re-run, which was a third of the cost of a cache hit.
 */
export const decodeCachedCart = Schema.decodeUnknownEffect(CartJson, { disableChecks: true })

const cartKey = (scope: CartScope) => ({ ...toOwnerRef(scope.owner), cart_type: scope.cartType })

const read = (name: string) => ({ name, kind: "read" as const })
const write = (name: string, idempotent = false) => ({ name, kind: "write" as const, idempotent })

/** A 404 from a lookup is an answer ("there is none"), not a failure. */
const orNone = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.map(Option.some),
    Effect.catchIf(
      (error): error is Extract<E, ResourceNotFound> => error instanceof ResourceNotFound,
      () => Effect.succeed(Option.none<A>())
    )
  )

/**
 * What a cart-service write of this request carries (issue 14): a key derived from the client's
 * `Idempotency-Key` for this owner and step, and the fencing token of the cart lock the request
 * holds. Without a client key, or outside a lock, the field is left out.
 */
const guardOf = (owner: Owner, step: string): Effect.Effect<WriteGuard, never, RequestContext> =>
  Effect.contextWith((services: Context.Context<RequestContext>) => {
    const clientKey = Context.get(services, RequestContext).idempotencyKey
    const fence = Context.get(services, CurrentCartFence)
    return Effect.succeed({
      ...(clientKey === undefined ? {} : { idempotency_key: downstreamKey(owner, clientKey, step) }),
      ...(fence === undefined ? {} : { fence })
    })
  })

/** The fencing token of the cart lock this request holds, if it holds one. */
const currentFence = CurrentCartFence.useSync((fence) => fence)

/** A guarded cart write; one with a key acts once however often it is sent, so it may be retried. */
const cartWrite = <A, E>(owner: Owner, name: string, call: (guard: WriteGuard) => Effect.Effect<A, E | DownstreamFailure>) =>
  Effect.flatMap(guardOf(owner, name), (guard) => runStep(write(name, guard.idempotency_key !== undefined), call(guard)))

/** One lookup per store, all at once; a store the service does not know is left out. */
const perStore = <A, E, R>(storeIds: ReadonlyArray<StoreId>, lookup: (storeId: StoreId) => Effect.Effect<Option.Option<A>, E, R>) =>
  Effect.map(Effect.forEach(storeIds, lookup, { concurrency: "unbounded" }), (found) => found.flatMap(Option.toArray))

/**
 * Every downstream call the cart flows make, named as the trace names it (`service.endpoint`) and
 * run through the step runner with its policy. Flows compose these; they never call a service
 * directly, so every call is traced, timed out, retried or degraded the same way.
 */
export const makeSteps = (deps: FlowDeps) => {
  /**
   * An optional cache write. One that did not happen (the store failed, or its breaker did not
   * let the call through) is reported to the cache, which then serves nothing it wrote before.
   */
  const cacheWrite = <A>(spec: { readonly name: string; readonly kind: "write"; readonly idempotent: boolean }, call: Effect.Effect<A, StoreUnavailable>, degraded: { readonly code: string; readonly message: string }) =>
    Effect.tap(optionalStep(spec, call, degraded), (done) => (Option.isNone(done) ? deps.cache.writeMissed : Effect.void))
  return {
  findOrCreateCart: (scope: CartScope) =>
    // Find-or-create has the same effect however often it is sent, so it may be retried.
    runStep(write("cart.findOrCreate", true), deps.cart.findOrCreate({ payload: { ...cartKey(scope), currency: deps.currency } })),

  // Settled as the batch's cart is: a GET answers this cart when the cache misses or pricing fails.
  findCart: (scope: CartScope) =>
    Effect.map(orNone(runStep(read("cart.find"), deps.cart.find({ payload: cartKey(scope) }))), Option.map(settledCart)),

  searchProducts: (productIds: ReadonlyArray<ProductId>) =>
    runStep(read("product.search"), deps.product.search({ query: { product_ids: productIds } })),

  checkAvailability: (items: ReadonlyArray<StockLine>) =>
    runStep(read("inventory.checkAvailability"), deps.inventory.checkAvailability({ payload: { items } })),

  storeStatuses: (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) =>
    perStore(storeIds, (storeId) =>
      orNone(runStep(read("sellerAdmin.storeStatus"), deps.sellerAdmin.storeStatus({ params: { domain_id: domainId, store_id: storeId } })))
    ),

  taxSettings: (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) =>
    perStore(storeIds, (storeId) =>
      orNone(runStep(read("sellerAdmin.taxSettings"), deps.sellerAdmin.taxSettings({ params: { domain_id: domainId, store_id: storeId } })))
    ),

  shippingRate: (deliveryOptionId: DeliveryOptionId, storeIds: ReadonlyArray<StoreId>, addressId: AddressId | undefined) =>
    optionalStep(
      read("shipping.calculateRate"),
      deps.shipping.calculateRate({
        payload: { delivery_option_id: deliveryOptionId, store_ids: storeIds, ...(addressId === undefined ? {} : { address_id: addressId }) }
      }),
      { code: "DELIVERY_CHARGE_UNAVAILABLE", message: "Delivery charges could not be calculated and are not included" }
    ),

  promotions: (productIds: ReadonlyArray<ProductId>) =>
    optionalStep(
      read("marketing.promotionsApplicable"),
      Effect.map(deps.marketing.promotionsApplicable({ payload: { product_ids: productIds } }), (r) => r.promotions),
      { code: "PROMOTIONS_UNAVAILABLE", message: "Promotions could not be checked and are not applied" }
    ),

  validateCoupons: (codes: ReadonlyArray<CouponCode>, owner: Owner, subtotal: Minor) =>
    runStep(
      read("marketing.validateCoupons"),
      deps.marketing.validateCoupons({
        payload: {
          codes,
          subtotal,
          ...(owner._tag === "Customer" ? { customer_id: owner.customerId } : {})
        }
      })
    ),

  address: (addressId: AddressId) => orNone(runStep(read("customer.address"), deps.customer.address({ params: { address_id: addressId } }))),
  deliveryOption: (id: DeliveryOptionId) =>
    orNone(runStep(read("sellerAdmin.deliveryOption"), deps.sellerAdmin.deliveryOption({ params: { id } }))),
  pickupPoint: (id: PickupPointId) => orNone(runStep(read("sellerAdmin.pickupPoint"), deps.sellerAdmin.pickupPoint({ params: { id } }))),
  paymentMethod: (id: PaymentMethodId) => orNone(runStep(read("payment.paymentMethod"), deps.payment.paymentMethod({ params: { id } }))),
  giftWrapOption: (id: GiftWrapId) =>
    orNone(runStep(read("sellerAdmin.giftWrapOption"), deps.sellerAdmin.giftWrapOption({ params: { id } }))),

  /**
   * The batch changes quantities without pricing: its cart is settled as it comes in (each line's
   * `line_total` for its new quantity), so neither an answer nor the cache shows a stale total.
   */
  applyBatch: (owner: Owner, cartId: CartId, operations: ReadonlyArray<IndexedOperation>, replace = false) =>
    Effect.map(
      cartWrite(owner, "cart.applyBatch", (guard) =>
        deps.cart.applyBatch({ params: { cart_id: cartId }, payload: { operations, ...(replace ? { replace } : {}), ...guard } })
      ),
      (batch) => ({ results: batch.results, cart: settledCart(batch.cart) })
    ),

  updateOptions: (owner: Owner, cartId: CartId, options: StoredOptions) =>
    cartWrite(owner, "cart.updateOptions", (guard) =>
      deps.cart.updateOptions({ params: { cart_id: cartId }, payload: { options, ...guard } })
    ),

  /**
   * Prices the cart from `input`, at `version` only (the version the inputs were gathered for):
   * the cart service refuses another with 409 VERSION_CHANGED. Computing derives totals from the
   * cart and the inputs, so sending it twice changes nothing: it may be retried.
   */
  compute: (cartId: CartId, input: ComputeInput, version: number) =>
    Effect.flatMap(currentFence, (fence) =>
      runStep(
        write("cart.compute", true),
        deps.cart.compute({ params: { cart_id: cartId }, payload: { ...input, version, ...(fence === undefined ? {} : { fence }) } })
      )
    ),

  /**
   * The guest's cart into the customer's, in one write (issue 15). Its key is derived from both
   * owners and the guest cart (not from the client's key: the merge is no client operation), so
   * any request that merges this guest cart sends the same one, and a retry — by the step runner
   * after a lost reply, or by the next request — merges once. Fenced by both carts' locks.
   */
  mergeCarts: (input: {
    readonly customer: Owner
    readonly guest: Owner
    readonly cartId: CartId
    readonly guestCartId: CartId
    readonly operations: ReadonlyArray<IndexedOperation & { readonly op: "ADD" }>
    readonly coupons: ReadonlyArray<{ readonly code: CouponCode }>
    readonly fences: { readonly customer: number | undefined; readonly guest: number | undefined }
  }) =>
    runStep(
      write("cart.merge", true),
      deps.cart.merge({
        params: { cart_id: input.cartId },
        payload: {
          source_cart_id: input.guestCartId,
          operations: input.operations,
          coupons: input.coupons,
          idempotency_key: downstreamKey(input.customer, `guest-merge:${keyScope(input.guest)}:${input.guestCartId}`, "cart.merge"),
          ...(input.fences.customer === undefined ? {} : { fence: input.fences.customer }),
          ...(input.fences.guest === undefined ? {} : { source_fence: input.fences.guest })
        }
      })
    ),

  /** Whether the guest is known to have nothing to merge: a cache read, no downstream call. A failure is "not known". */
  guestSettled: (guest: Owner) =>
    optionalStep(read("cache.guestSettled"), deps.cache.guestSettled(ownerKey(guest, "DEFAULT")), {
      code: "CACHE_UNAVAILABLE",
      message: "The cache could not be read"
    }).pipe(Effect.map((settled) => Option.getOrElse(settled, () => false))),

  /** The guest has nothing (more) to merge. Optional: without the mark, the next request asks the cart service again. */
  settleGuest: (guest: Owner) =>
    cacheWrite(write("cache.settleGuest", true), deps.cache.settleGuest(ownerKey(guest, "DEFAULT")), {
      code: "CACHE_UNAVAILABLE",
      message: "The cache could not be told the guest cart was settled"
    }),

  /** The guest is adding lines: whatever a request with both headers marked before no longer holds. */
  unsettleGuest: (guest: Owner) =>
    cacheWrite(write("cache.unsettleGuest", true), deps.cache.unsettleGuest(ownerKey(guest, "DEFAULT")), {
      code: "CACHE_UNAVAILABLE",
      message: "The cache could not be told the guest cart changed"
    }),

  removeCart: (owner: Owner, cartId: CartId) =>
    cartWrite(owner, "cart.remove", (guard) => deps.cart.remove({ params: { cart_id: cartId }, payload: guard })),

  releaseReservations: (cartId: CartId) =>
    optionalStep(
      write("inventory.releaseReservations", true),
      deps.inventory.releaseReservations({ payload: { cart_id: cartId } }),
      { code: "RESERVATIONS_NOT_RELEASED", message: "Held stock will be released when its reservation expires" }
    ),

  /** The computed (or, for the lite flows, not computed) cart, under its version (DESIGN §5). */
  cacheSet: (owner: Owner, cartType: CartType, cart: Cart) =>
    cacheWrite(
      write("cache.set", true),
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* deps.cache.rememberOwner(ownerKey(owner, cartType), cart.cart_id)
        return yield* deps.cache.set({ cartId: cart.cart_id, version: cart.version, computedAt: now, computed: cart.computed, body: encodeCart(cart) })
      }),
      { code: "CACHE_UNAVAILABLE", message: "The cart was not cached" }
    ),

  /**
   * A mutation that may have changed the cart without caching the result: a tombstone at
   * `version` (the version the mutation read, plus one) keeps anything older from being served.
   */
  cacheInvalidate: (cartId: CartId, version: number) =>
    cacheWrite(write("cache.invalidate", true), deps.cache.invalidate(cartId, version), {
      code: "CACHE_UNAVAILABLE",
      message: "The cached cart could not be invalidated"
    }),

  cacheGet: (owner: Owner, cartType: CartType) =>
    optionalStep(
      read("cache.get"),
      Effect.gen(function* () {
        const cartId = yield* deps.cache.ownerCartId(ownerKey(owner, cartType))
        if (Option.isNone(cartId)) return Option.none()
        return yield* deps.cache.get(cartId.value)
      }),
      { code: "CACHE_UNAVAILABLE", message: "The cache could not be read" }
    ).pipe(Effect.map(Option.flatten)),

  /** The cart is gone: a tombstone for its id (DESIGN §5: every mutation updates or deletes the entry), and the owner forgotten. */
  cacheDelete: (owner: Owner, cartType: CartType, cartId: CartId) =>
    cacheWrite(
      write("cache.delete", true),
      Effect.andThen(deps.cache.remove(cartId), deps.cache.forgetOwner(ownerKey(owner, cartType))),
      { code: "CACHE_UNAVAILABLE", message: "The cached cart could not be removed" }
    )
  }
}

export type Steps = ReturnType<typeof makeSteps>
