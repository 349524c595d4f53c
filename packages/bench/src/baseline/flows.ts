import { planPayments } from "@orchestra/core/checkout/paymentPlan"
import type { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import type { PlaceOrderResponse } from "@orchestra/core/checkout/PlaceOrderResponse"
import type { PaymentProgress } from "@orchestra/core/checkout/phaseOne"
import { hasFulfilment, isStale, priceChanges } from "@orchestra/core/checkout/placeChecks"
import { orderTotalsOf, subOrderTotals } from "@orchestra/core/checkout/subOrderTotals"
import { Cart, type LineItem } from "@orchestra/core/domain/Cart"
import type { IndexedOperation } from "@orchestra/core/domain/CartLines"
import {
  CartEmpty,
  CartNotFound,
  CouponInvalid,
  DownstreamError,
  FulfilmentRequired,
  InvalidRequest,
  OutOfStock,
  PaymentFailed,
  PriceChanged
} from "@orchestra/core/domain/Errors"
import type { DomainId, OrderId, ProductId, ReservationId, StoreId } from "@orchestra/core/domain/Ids"
import { subtotalOf } from "@orchestra/core/domain/LinePrice"
import { type Currency, type Minor, minor } from "@orchestra/core/domain/Money"
import type { Payment } from "@orchestra/core/domain/Payment"
import { type CartType, type Owner, ownerKey, toOwnerRef } from "@orchestra/core/domain/Owner"
import { cartWarnings } from "@orchestra/core/flows/cartWarnings"
import { catalogView, checkOperations, requestedStock } from "@orchestra/core/flows/checkOperations"
import { emptyCart } from "@orchestra/core/flows/emptyCart"
import type { ItemsRequest } from "@orchestra/core/flows/requests"
import type { GetCachedCartResponse, GetCartResponse, ItemsResponse, Warning } from "@orchestra/core/flows/responses"
import type { CartGroup } from "@orchestra/core/services/Cart"
import type { EventGroup } from "@orchestra/core/services/Event"
import type { InventoryGroup, StockLine } from "@orchestra/core/services/Inventory"
import type { MarketingGroup } from "@orchestra/core/services/Marketing"
import type { NotificationGroup } from "@orchestra/core/services/Notification"
import type { OrderGroup } from "@orchestra/core/services/Order"
import type { PaymentGroup } from "@orchestra/core/services/Payment"
import type { Product, ProductGroup } from "@orchestra/core/services/Product"
import type { SellerAdminGroup } from "@orchestra/core/services/SellerAdmin"
import type { ShippingGroup, ShippingRate } from "@orchestra/core/services/Shipping"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import { Schema } from "effect"
import type { PromiseClient } from "./downstreams.ts"
import type { CartCacheStore, memorySagas } from "./stores.ts"

/** Every downstream the baseline flows call, as promise clients. */
export interface BaselineDeps {
  readonly cart: PromiseClient<typeof CartGroup>
  readonly product: PromiseClient<typeof ProductGroup>
  readonly inventory: PromiseClient<typeof InventoryGroup>
  readonly marketing: PromiseClient<typeof MarketingGroup>
  readonly sellerAdmin: PromiseClient<typeof SellerAdminGroup>
  readonly shipping: PromiseClient<typeof ShippingGroup>
  readonly order: PromiseClient<typeof OrderGroup>
  readonly payment: PromiseClient<typeof PaymentGroup>
  readonly notification: PromiseClient<typeof NotificationGroup>
  readonly event: PromiseClient<typeof EventGroup>
  readonly cache: CartCacheStore
  readonly sagas: ReturnType<typeof memorySagas>
  readonly currency: Currency
}

/** One request's warnings, as ours' RequestContext collects them. */
export interface RequestState {
  readonly requestId: string
  readonly warnings: Array<Warning>
}

export interface Scope {
  readonly owner: Owner
  readonly cartType: CartType
}

const CartJson = Schema.fromJsonString(Cart)
const encodeCart = Schema.encodeSync(CartJson)
// As ours reads its cache: the shape checked, the refinements of a cart we encoded ourselves not re-run.
const decodeCart = Schema.decodeUnknownSync(CartJson, { disableChecks: true })

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** An optional step (DESIGN §4): a failure becomes a warning and the flow goes on without the result. */
const optional = async <A>(state: RequestState, run: () => Promise<A>, code: string, message: string): Promise<A | undefined> => {
  try {
    return await run()
  } catch (error) {
    state.warnings.push({ code, message: `${message} (${describe(error)})` })
    return undefined
  }
}

/** A 404 from a lookup is an answer ("there is none"), not a failure. */
const orNone = async <A>(run: Promise<A>): Promise<A | undefined> => {
  try {
    return await run
  } catch (error) {
    if (error instanceof ResourceNotFound) return undefined
    throw error
  }
}

const cartKey = (scope: Scope) => ({ ...toOwnerRef(scope.owner), cart_type: scope.cartType })

const unique = <A>(values: Iterable<A>): Array<A> => [...new Set(values)]

const productIdsOf = (items: ReadonlyArray<LineItem>, operations: ReadonlyArray<IndexedOperation> = []) =>
  unique<ProductId>([
    ...items.map((i) => i.product_id),
    ...operations.flatMap((op) => (op.op === "SET" || op.op === "ADD" ? [op.product_id] : []))
  ])

/** Ours' storeIdsOf: a computed line knows its store; a new product's store waits for the search. */
const storeIdsOf = (items: ReadonlyArray<LineItem>, productIds: ReadonlyArray<ProductId>, products: Promise<ReadonlyArray<Product>>) => {
  const known = new Map(items.flatMap((i) => (i.store_id === undefined ? [] : [[i.product_id as string, i.store_id] as const])))
  if (productIds.every((id) => known.has(id))) return Promise.resolve(unique(known.values()))
  return products.then((found) => unique(found.map((p) => p.store_id)))
}

/** Keeps an unobserved rejection of a shared promise from crashing the process; its users see it. */
const shared = <A>(promise: Promise<A>): Promise<A> => {
  promise.catch(() => {})
  return promise
}

export const makeFlows = (d: BaselineDeps) => {
  const storeStatuses = (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) =>
    Promise.all(storeIds.map((storeId) => orNone(d.sellerAdmin.storeStatus({ params: { domain_id: domainId, store_id: storeId } })))).then(
      (found) => found.flatMap((s) => (s === undefined ? [] : [s]))
    )
  const taxSettings = (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) =>
    Promise.all(storeIds.map((storeId) => orNone(d.sellerAdmin.taxSettings({ params: { domain_id: domainId, store_id: storeId } })))).then(
      (found) => found.flatMap((s) => (s === undefined ? [] : [s]))
    )
  const promotions = (state: RequestState, productIds: ReadonlyArray<ProductId>) =>
    optional(
      state,
      () => d.marketing.promotionsApplicable({ payload: { product_ids: productIds } }).then((r) => r.promotions),
      "PROMOTIONS_UNAVAILABLE",
      "Promotions could not be checked and are not applied"
    )
  const cacheSet = (state: RequestState, scope: Scope, cart: Cart) =>
    optional(
      state,
      async () => {
        await d.cache.rememberOwner(ownerKey(scope.owner, scope.cartType), cart.cart_id)
        return d.cache.set({ cartId: cart.cart_id, version: cart.version, computedAt: Date.now(), computed: cart.computed, body: encodeCart(cart) })
      },
      "CACHE_UNAVAILABLE",
      "The cart was not cached"
    )
  const chargesOf = (shipping: ShippingRate | undefined): ShippingRate["charges"] => shipping?.charges ?? []

  /** GET /cart?compute=false: 1 cache get → 2 cart get on a miss. */
  const getCached = async (state: RequestState, scope: Scope): Promise<GetCachedCartResponse> => {
    const cached = await optional(
      state,
      async () => {
        const cartId = await d.cache.ownerCartId(ownerKey(scope.owner, scope.cartType))
        return cartId === undefined ? undefined : d.cache.get(cartId)
      },
      "CACHE_UNAVAILABLE",
      "The cache could not be read"
    )
    if (cached !== undefined) {
      let cart: Cart | undefined
      try {
        cart = decodeCart(cached.body)
      } catch {
        cart = undefined
      }
      if (cart !== undefined) {
        return {
          success: true,
          cart_type: scope.cartType,
          from_cache: true,
          cache_age_seconds: Math.max(0, Math.floor((Date.now() - cached.computedAt) / 1000)),
          cart
        }
      }
    }
    const found = await orNone(d.cart.find({ payload: cartKey(scope) }))
    return { success: true, cart_type: scope.cartType, from_cache: false, cart: found ?? emptyCart(scope.cartType, d.currency) }
  }

  /** GET /cart: 1 cart get → ‖ 2–6 → 7 shipping → 8 promotions → 9 coupons → 10 compute → 11 cache set. */
  const getFull = async (state: RequestState, scope: Scope): Promise<GetCartResponse> => {
    const cart = await orNone(d.cart.find({ payload: cartKey(scope) }))
    if (cart === undefined) {
      return {
        success: true,
        cart_type: scope.cartType,
        cart: emptyCart(scope.cartType, d.currency),
        inventory_status: [],
        warnings: [],
        stale: false
      }
    }
    const domainId = scope.owner.domainId
    const productIds = productIdsOf(cart.items)
    const products = shared(d.product.search({ query: { product_ids: productIds } }).then((r) => r.products))
    const storeIds = shared(storeIdsOf(cart.items, productIds, products))
    const unavailable = (what: string) => `${what} could not be checked`
    const [currentProducts, availability, stores, taxes, deliveryOption] = await Promise.all([
      optional(state, () => products, "PRICES_UNCHECKED", unavailable("Current prices")),
      optional(
        state,
        () => d.inventory.checkAvailability({ payload: { items: requestedStock(cart.items, []) } }).then((r) => r.items),
        "STOCK_UNCHECKED",
        unavailable("Stock")
      ),
      optional(state, () => storeIds.then((ids) => storeStatuses(domainId, ids)), "STORES_UNCHECKED", unavailable("Store status")),
      optional(state, () => storeIds.then((ids) => taxSettings(domainId, ids)), "TAX_UNCHECKED", unavailable("Tax")),
      cart.delivery_option === undefined
        ? undefined
        : optional(
            state,
            () => orNone(d.sellerAdmin.deliveryOption({ params: { id: cart.delivery_option!.delivery_option_id } })),
            "DELIVERY_OPTION_UNCHECKED",
            unavailable("The delivery option")
          )
    ])
    const shipping =
      cart.delivery_option === undefined || (deliveryOption !== undefined && !deliveryOption.active)
        ? undefined
        : await optional(
            state,
            async () =>
              d.shipping.calculateRate({
                payload: {
                  delivery_option_id: cart.delivery_option!.delivery_option_id,
                  store_ids: await storeIds,
                  ...(cart.address?.shipping_address === undefined ? {} : { address_id: cart.address.shipping_address.address_id })
                }
              }),
            "DELIVERY_CHARGE_UNAVAILABLE",
            "Delivery charges could not be calculated and are not included"
          )
    const promos = await promotions(state, productIds)
    const codes = (cart.coupons ?? []).map((c) => c.code)
    const coupons =
      codes.length === 0 || currentProducts === undefined
        ? undefined
        : await optional(
            state,
            () =>
              d.marketing
                .validateCoupons({
                  payload: {
                    codes,
                    subtotal: subtotalOf(cart.items, (id) => currentProducts.find((p) => p.product_id === id)),
                    ...(scope.owner._tag === "Customer" ? { customer_id: scope.owner.customerId } : {})
                  }
                })
                .then((r) => r.coupons),
            "COUPONS_UNCHECKED",
            unavailable("Coupons")
          )
    const computed =
      currentProducts === undefined || taxes === undefined
        ? undefined
        : await optional(
            state,
            () =>
              d.cart.compute({
                params: { cart_id: cart.cart_id },
                payload: {
                  products: currentProducts,
                  promotions: promos ?? [],
                  ...(coupons === undefined
                    ? {}
                    : { coupons: coupons.flatMap((c) => (c.valid && c.coupon !== undefined ? [c.coupon] : [])) }),
                  tax_settings: taxes,
                  delivery_charges: chargesOf(shipping)
                }
              }),
            "STALE_CART",
            "The cart could not be recomputed; these are its last computed totals"
          )
    if (computed !== undefined) await cacheSet(state, scope, computed)
    const result = computed ?? cart
    return {
      success: true,
      cart_type: scope.cartType,
      cart: result,
      inventory_status: (availability ?? []).map((a) => ({
        product_id: a.product_id,
        ...(a.variant_id === undefined ? {} : { variant_id: a.variant_id }),
        available: a.available,
        quantity_available: a.quantity_available
      })),
      warnings: [
        ...state.warnings,
        ...cartWarnings({ before: cart, after: result, products: currentProducts, availability, stores, coupons })
      ],
      stale: computed === undefined
    }
  }

  /** POST /cart/items: 1 find-or-create → ‖ 2–6 → 7 promotions → 8 batch → 9 compute → 10 cache set. */
  const itemsFull = async (state: RequestState, scope: Scope, request: ItemsRequest): Promise<ItemsResponse> => {
    const operations: ReadonlyArray<IndexedOperation> = request.operations.map((op, index) => ({ ...op, index }))
    const cart = await d.cart.findOrCreate({ payload: { ...cartKey(scope), currency: d.currency } })
    const domainId = scope.owner.domainId
    const productIds = productIdsOf(cart.items, operations)
    const products = shared(d.product.search({ query: { product_ids: productIds } }).then((r) => r.products))
    const storeIds = shared(storeIdsOf(cart.items, productIds, products))
    const [found, availability, sellers] = await Promise.all([
      products,
      d.inventory.checkAvailability({ payload: { items: requestedStock(cart.items, operations) } }),
      storeIds.then(async (stores) => {
        const [shipping, statuses, taxes] = await Promise.all([
          cart.delivery_option === undefined
            ? undefined
            : optional(
                state,
                () =>
                  d.shipping.calculateRate({
                    payload: {
                      delivery_option_id: cart.delivery_option!.delivery_option_id,
                      store_ids: stores,
                      ...(cart.address?.shipping_address === undefined ? {} : { address_id: cart.address.shipping_address.address_id })
                    }
                  }),
                "DELIVERY_CHARGE_UNAVAILABLE",
                "Delivery charges could not be calculated and are not included"
              ),
          storeStatuses(domainId, stores),
          taxSettings(domainId, stores)
        ])
        return { shipping, statuses, taxes }
      })
    ])
    const { shipping, statuses, taxes } = sellers
    const promos = await promotions(state, productIds)
    const checked = checkOperations(cart.items, operations, catalogView(found, availability.items, statuses))
    const batch =
      checked.accepted.length === 0
        ? { results: [], cart }
        : await d.cart.applyBatch({ params: { cart_id: cart.cart_id }, payload: { operations: checked.accepted } })
    const computed = await d.cart.compute({
      params: { cart_id: cart.cart_id },
      payload: { products: found, promotions: promos ?? [], tax_settings: taxes, delivery_charges: chargesOf(shipping) }
    })
    await cacheSet(state, scope, computed)
    const priced = new Map(computed.items.map((line) => [line.item_id as string, line]))
    const results = [...checked.rejected, ...batch.results]
      .map((r) => (r.item === undefined ? r : { ...r, item: priced.get(r.item.item_id) ?? r.item }))
      .sort((a, b) => a.index - b.index)
    return {
      success: true,
      cart_type: scope.cartType,
      operations_applied: results.filter((r) => r.status === "SUCCESS").length,
      results,
      cart: computed,
      coupon_applied: computed.coupons_applied,
      warnings: [...state.warnings]
    }
  }

  /** Undoes what a failed checkout did, in reverse; undo failures are logged, never raised. */
  const compensate = async (progress: SagaProgress, reason: string) => {
    const attempt = (run: () => Promise<unknown>) => run().catch((error) => console.error("compensation failed", describe(error)))
    await Promise.all(
      [...progress.payments].reverse().map((p) =>
        p.payment_id === undefined
          ? undefined
          : attempt(() =>
              d.payment.refund({ params: { payment_id: p.payment_id! }, payload: { idempotency_key: `${progress.idempotency_key}:refund:${p.index}` } })
            )
      )
    )
    if (progress.order_id !== undefined) {
      await attempt(() => d.order.cancel({ params: { order_id: progress.order_id! }, payload: { reason } }))
    }
    if (progress.reservation_id !== undefined) {
      await attempt(() => d.inventory.releaseReservations({ payload: { reservation_id: progress.reservation_id! } }))
    }
  }

  /**
   * POST /cart/place-order, phase 1 and — with no GATEWAY payment — phase 2, as ours runs them:
   * 1 cart get → 2d plan → ‖ 2a stock, 2b prices, 2c coupons → 3 reserve → 4 master → 5 sub-orders →
   * 6 payment PENDING → saga → ‖ 7 payments → 8 deduct → 9 coupons used → 10 cart delete →
   * 11 cache delete → payment SUCCESS; then 12 notifications and 13 the event, not awaited.
   */
  const placeOrder = async (scope: Scope, request: PlaceOrderRequest, key: string): Promise<PlaceOrderResponse> => {
    const { owner } = scope
    const found = await orNone(d.cart.find({ payload: cartKey(scope) }))
    if (found === undefined) throw new CartNotFound({ message: "There is no cart to place" })
    const cart = isStale(found) ? await d.cart.compute({ params: { cart_id: found.cart_id }, payload: {} }) : found
    if (cart.items.length === 0) throw new CartEmpty({ message: "The cart is empty" })
    const planned = planPayments(request.payment_instruction, request.total_order_amount, cart)
    if (planned._tag === "Failure") throw planned.failure
    const payments = planned.success
    if (payments.filter((p) => p.mode === "GATEWAY").length > 1) throw new InvalidRequest({ message: "At most one GATEWAY payment per order" })
    if (payments.some((p) => p.mode === "LOYALTY" || p.mode === "WALLET") && owner._tag !== "Customer") {
      throw new InvalidRequest({ message: "Wallet and loyalty payments need a signed-in customer" })
    }
    if (!hasFulfilment(cart)) throw new FulfilmentRequired({ message: "Choose a shipping address with a delivery option, or a pickup point" })

    const stock: ReadonlyArray<StockLine> = requestedStock(cart.items, [])
    const codes = (cart.coupons ?? []).map((c) => c.code)
    const storeIds = [...new Set(cart.items.flatMap((line) => (line.store_id === undefined ? [] : [line.store_id])))]
    const delivery = cart.delivery_option
    const [strict, searched, validated, taxes, shipping] = await Promise.all([
      d.inventory.checkAvailability({ payload: { items: stock, strict: true } }),
      d.product.search({ query: { product_ids: productIdsOf(cart.items) } }),
      codes.length === 0
        ? { coupons: [] }
        : d.marketing.validateCoupons({
            payload: { codes, subtotal: cart.totals.subtotal, ...(owner._tag === "Customer" ? { customer_id: owner.customerId } : {}) }
          }),
      taxSettings(owner.domainId, storeIds).catch(() => []),
      delivery === undefined
        ? undefined
        : d.shipping
            .calculateRate({
              payload: {
                delivery_option_id: delivery.delivery_option_id,
                store_ids: storeIds,
                ...(cart.address?.shipping_address === undefined ? {} : { address_id: cart.address.shipping_address.address_id })
              }
            })
            .catch(() => undefined)
    ])
    const short = strict.items.filter((a) => !a.available)
    if (short.length > 0) throw new OutOfStock({ message: `Not enough stock for ${short.map((a) => a.product_id).join(", ")}` })
    if (priceChanges(cart, searched.products).length > 0) {
      throw new PriceChanged({ message: "Prices changed since the cart was computed; review the cart and place it again" })
    }
    const invalid = validated.coupons.filter((c) => !c.valid)
    if (invalid.length > 0) throw new CouponInvalid({ message: `Coupon ${invalid.map((c) => c.code).join(", ")} no longer applies` })

    let progress: SagaProgress = {
      idempotency_key: key,
      cart_id: cart.cart_id,
      cart_type: scope.cartType,
      owner: toOwnerRef(owner),
      currency: cart.currency,
      total: cart.totals.net_payable,
      coupons: codes,
      ...(request.device?.fingerprint === undefined ? {} : { device_fingerprint: request.device.fingerprint }),
      ...(request.order_initiated_from === undefined ? {} : { order_initiated_from: request.order_initiated_from }),
      payments: [],
      items: stock
    }
    const reservation = await d.inventory
      .reserve({ payload: { idempotency_key: `${key}:reserve`, cart_id: cart.cart_id, items: stock, ttl_seconds: 900 } })
      .catch((error: unknown) => {
        throw error instanceof ResourceConflict ? new OutOfStock({ message: error.message }) : error
      })
    progress = { ...progress, reservation_id: reservation.reservation_id }
    try {
      const master = await d.order.createMaster({
        payload: {
          idempotency_key: `${key}:order`,
          type: "MASTER",
          cart_id: cart.cart_id,
          ...toOwnerRef(owner),
          currency: cart.currency,
          totals: orderTotalsOf(cart.totals)
        }
      })
      progress = { ...progress, order_id: master.id, order_number: master.number }
      await d.order.createSubOrders({
        params: { order_id: master.id },
        payload: {
          idempotency_key: `${key}:sub-orders`,
          sub_orders: subOrderTotals(cart, { taxSettings: taxes, deliveryCharges: shipping?.charges ?? [] })
        }
      })
      await d.order.setPaymentStatus({ params: { order_id: master.id }, payload: { payment_status: "PENDING" } })
      d.sagas.create(master.id, encodeProgress(progress))
      const initiated = await Promise.allSettled(
        payments.map(async (payment): Promise<PaymentProgress> => {
          const record = await d.payment.initiate({
            payload: {
              idempotency_key: `${key}:pay:${payment.index}`,
              order_id: master.id,
              ...(owner._tag === "Customer" ? { customer_id: owner.customerId } : {}),
              amount: payment.amount,
              currency: cart.currency,
              payment_mode: payment.mode,
              gateway: payment.gateway,
              ...(payment.instruction.client_callback_url === undefined ? {} : { callback_url: payment.instruction.client_callback_url }),
              ...(payment.instruction.meta === undefined ? {} : { meta: payment.instruction.meta })
            }
          })
          return {
            index: payment.index,
            mode: payment.mode,
            gateway: payment.gateway,
            amount: payment.amount,
            status: record.status,
            payment_id: record.payment_id,
            ...(record.gateway_order_id === undefined ? {} : { gateway_order_id: record.gateway_order_id }),
            ...(record.redirect_url === undefined ? {} : { redirect_url: record.redirect_url })
          }
        })
      )
      progress = { ...progress, payments: initiated.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])) }
      const failed = initiated.flatMap((r) => (r.status === "rejected" ? [describe(r.reason)] : []))
      if (failed.length > 0) {
        d.sagas.transition(master.id, "COMPENSATING", encodeProgress(progress))
        await compensate(progress, "payment failed")
        d.sagas.transition(master.id, "CANCELLED")
        throw new PaymentFailed({ message: `Payment failed: ${failed.join("; ")}` })
      }
      const gateway = progress.payments.filter((p) => p.gateway_order_id !== undefined)
      d.sagas.transition(master.id, "PAYMENTS_PENDING", encodeProgress(progress))
      if (gateway.length > 0) return response(master, progress.payments)

      d.sagas.transition(master.id, "PAYMENT_CONFIRMED")
      // Phase 2 (completeOrder): deduct, coupons used, cart delete, cache delete, payment SUCCESS.
      const reservationId = progress.reservation_id
      if (reservationId === undefined) throw new DownstreamError({ service: "inventory", message: "No reservation to deduct" })
      await d.inventory.deduct({ payload: { idempotency_key: `${key}:deduct`, reservation_id: reservationId } })
      if (codes.length > 0) {
        await d.marketing.markCouponsUsed({
          payload: {
            idempotency_key: `${key}:coupons`,
            codes,
            order_id: master.id,
            ...(owner._tag === "Customer" ? { customer_id: owner.customerId } : {})
          }
        })
      }
      // The delete's body is the cart service's write guard (issue 14), none of it used by the baseline.
      await orNone(d.cart.remove({ params: { cart_id: cart.cart_id }, payload: {} }))
      await d.cache
        .remove(cart.cart_id)
        .then(() => d.cache.forgetOwner(ownerKey(owner, scope.cartType)))
        .catch(() => {})
      const confirmed = await d.order.setPaymentStatus({
        params: { order_id: master.id },
        payload: { payment_status: "SUCCESS", order_status: "CONFIRMED" }
      })
      const ownerRef = toOwnerRef(owner)
      // 12, 13: never blocking the answer, as ours forks them.
      void Promise.all([
        d.notification.send({
          payload: {
            idempotency_key: `${key}:notify`,
            channels: ["EMAIL", "SMS", "PUSH"],
            template: "ORDER_CONFIRMATION",
            order_id: master.id,
            ...(ownerRef.customer_id === undefined ? {} : { customer_id: ownerRef.customer_id }),
            ...(ownerRef.session_id === undefined ? {} : { session_id: ownerRef.session_id })
          }
        }),
        d.event.publish({
          payload: {
            idempotency_key: `${key}:event`,
            type: "ORDER_PLACED",
            order_id: master.id,
            total: progress.total,
            currency: progress.currency,
            ...(progress.device_fingerprint === undefined ? {} : { device_fingerprint: progress.device_fingerprint }),
            ...(progress.order_initiated_from === undefined ? {} : { order_initiated_from: progress.order_initiated_from })
          }
        })
      ]).catch((error) => console.error("post-order step failed", describe(error)))
      d.sagas.transition(master.id, "COMPLETED")
      return response(confirmed, progress.payments)
    } catch (error) {
      if (!(error instanceof PaymentFailed)) await compensate(progress, "checkout failed")
      throw error
    }
  }

  return { getCached, getFull, itemsFull, placeOrder }
}

/**
 * What a checkout has done so far, kept in the baseline's saga store as the orchestrator kept it
 * before the durable workflow: the ids compensation and phase 2 need.
 */
interface SagaProgress {
  readonly idempotency_key: string
  readonly cart_id: Cart["cart_id"]
  readonly cart_type: Cart["cart_type"]
  readonly owner: { readonly domain_id: string; readonly customer_id?: string; readonly session_id?: string }
  readonly currency: Cart["currency"]
  readonly total: Minor
  readonly coupons: ReadonlyArray<string>
  readonly device_fingerprint?: string
  readonly order_initiated_from?: string
  readonly reservation_id?: ReservationId
  readonly order_id?: OrderId
  readonly order_number?: string
  readonly payments: ReadonlyArray<PaymentProgress>
  readonly items: ReadonlyArray<StockLine>
}

const encodeProgress = (progress: SagaProgress): string => JSON.stringify(progress)

const response = (order: PlaceOrderResponse["order"], payments: ReadonlyArray<PaymentProgress>): PlaceOrderResponse => ({
  success: true,
  order,
  payment: payments.map(
    (p): Payment => ({
      id: p.payment_id ?? (p.redemption_id as Payment["id"]),
      status: p.status,
      payment_mode: p.mode,
      gateway: p.gateway,
      amount: minor(p.amount),
      ...(p.redirect_url === undefined ? {} : { redirect_url: p.redirect_url }),
      ...(p.gateway_order_id === undefined ? {} : { gateway_order_id: p.gateway_order_id })
    })
  )
})
