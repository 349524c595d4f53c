import { Effect, Option, Schema } from "effect"
import { Cart } from "../domain/Cart.ts"
import { DownstreamUnavailable } from "../domain/Errors.ts"
import {
  type AddressId,
  type CartId,
  type CouponCode,
  type CustomerId,
  type DeliveryOptionId,
  type DomainId,
  ItemId,
  type OrderId,
  type PaymentId,
  type ProductId,
  type ReservationId,
  type StoreId
} from "../domain/Ids.ts"
import type { Minor } from "../domain/Money.ts"
import { Order, type OrderTotals } from "../domain/Order.ts"
import type { CartType, Owner, OwnerRef } from "../domain/Owner.ts"
import type { PaymentStatus } from "../domain/Payment.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { removeOrderedLines } from "../flows/removeOrderedLines.ts"
import { makeSteps } from "../flows/steps.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { runStep } from "../runtime/StepRunner.ts"
import { CartService, type ComputeInput } from "../services/Cart.ts"
import { Published } from "../services/Event.ts"
import { AvailabilityReport, Deduction, Released, Reservation, type StockLine } from "../services/Inventory.ts"
import { LoyaltyAccount, Redemption } from "../services/Loyalty.ts"
import { ApplicablePromotions, CouponsUsed, CouponValidations } from "../services/Marketing.ts"
import { type NotificationTemplate, NotificationsSent } from "../services/Notification.ts"
import { SubOrdersCreated } from "../services/Order.ts"
import { PaymentRecord } from "../services/Payment.ts"
import { ProductSearchResult } from "../services/Product.ts"
import { StoreStatus, TaxSetting } from "../services/SellerAdmin.ts"
import { ShippingRate } from "../services/Shipping.ts"
import { CartCache } from "../stores/CartCache.ts"
import { CartLock } from "../stores/CartLock.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { PlannedPayment } from "./paymentPlan.ts"
import type { Recorded, Refusal, StepCall, StepFailure } from "./sagaSteps.ts"

const recorded = <A, E extends Refusal | StepFailure>(success: Recorded<A>, call: Effect.Effect<A, E, RequestContext>): StepCall<A> => ({
  success,
  call
})

const read = (name: string) => ({ name, kind: "read" as const })
/** Every checkout write carries a key derived from the client's Idempotency-Key: safe to retry. */
const write = (name: string) => ({ name, kind: "write" as const, idempotent: true })

export const RESERVATION_TTL_SECONDS = 900

const FoundCart = Schema.NullOr(Cart)
const TaxSettings = Schema.Array(TaxSetting)
const StoreStatuses = Schema.Array(StoreStatus)
const LinesRemoved = Schema.Struct({ removed: Schema.Array(ItemId), reduced: Schema.Array(ItemId) })

/**
 * The downstream calls of the checkout saga (DESIGN §6), named as the trace names them, each with
 * the schema its answer is recorded with by the workflow engine.
 */
export const makeCheckoutSteps = (deps: CheckoutDeps) => {
  const cartSteps = makeSteps(deps)
  return {
    findCart: (scope: CartScope) => recorded(FoundCart, Effect.map(cartSteps.findCart(scope), Option.getOrNull)),

    /** Prices the cart from `input`; what it leaves out, the cart service keeps from the last computation. */
    compute: (cartId: CartId, input: ComputeInput) =>
      recorded(Cart, runStep(write("cart.compute"), deps.cart.compute({ params: { cart_id: cartId }, payload: input }))),

    promotions: (productIds: ReadonlyArray<ProductId>) =>
      recorded(
        ApplicablePromotions,
        runStep(read("marketing.promotionsApplicable"), deps.marketing.promotionsApplicable({ payload: { product_ids: productIds } }))
      ),

    searchProducts: (productIds: ReadonlyArray<ProductId>) => recorded(ProductSearchResult, cartSteps.searchProducts(productIds)),

    validateCoupons: (codes: ReadonlyArray<CouponCode>, owner: Owner, subtotal: Minor) =>
      recorded(CouponValidations, cartSteps.validateCoupons(codes, owner, subtotal)),

    taxSettings: (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) => recorded(TaxSettings, cartSteps.taxSettings(domainId, storeIds)),

    storeStatuses: (domainId: DomainId, storeIds: ReadonlyArray<StoreId>) => recorded(StoreStatuses, cartSteps.storeStatuses(domainId, storeIds)),

    /**
     * Step 10: the ordered lines out of the cart, under its lock (lines added while paying stay),
     * and its cached copy told (step 11). A lock not free or unreachable, or a successor's fencing
     * token, is no answer yet: the step is tried again.
     */
    removeOrderedLines: (owner: Owner, cartType: CartType, cart: Cart, clientKey: string) =>
      recorded(
        LinesRemoved,
        removeOrderedLines({
          owner,
          cartType,
          cartId: cart.cart_id,
          lines: cart.items.map((line) => ({ item_id: line.item_id, quantity: line.quantity })),
          clientKey
        }).pipe(
          Effect.map(({ removed, reduced }) => ({ removed, reduced })),
          Effect.catchTags({
            LockTimeout: (e) => Effect.fail(new DownstreamUnavailable({ service: "cart", message: `cart lock: ${e.message}` })),
            StoreUnavailable: (e) => Effect.fail(new DownstreamUnavailable({ service: "cart", message: `cart lock: ${e.message}` })),
            ResourceConflict: (e) => Effect.fail(new DownstreamUnavailable({ service: "cart", message: `cart.removeLines refused: ${e.message}` }))
          }),
          Effect.provideService(CartLock, deps.lock),
          Effect.provideService(CartService, deps.cart),
          Effect.provideService(CartCache, deps.cache)
        )
      ),

    shippingRate: (deliveryOptionId: DeliveryOptionId, storeIds: ReadonlyArray<StoreId>, addressId: AddressId | undefined) =>
      recorded(
        ShippingRate,
        runStep(
          read("shipping.calculateRate"),
          deps.shipping.calculateRate({
            payload: { delivery_option_id: deliveryOptionId, store_ids: storeIds, ...(addressId === undefined ? {} : { address_id: addressId }) }
          })
        )
      ),

    strictInventory: (items: ReadonlyArray<StockLine>) =>
      recorded(
        AvailabilityReport,
        runStep(read("inventory.checkAvailability"), deps.inventory.checkAvailability({ payload: { items, strict: true } }))
      ),

    reserve: (key: string, cartId: CartId, items: ReadonlyArray<StockLine>, orderId?: OrderId) =>
      recorded(
        Reservation,
        runStep(
          write("inventory.reserve"),
          deps.inventory.reserve({
            payload: {
              idempotency_key: key,
              cart_id: cartId,
              items,
              ttl_seconds: RESERVATION_TTL_SECONDS,
              ...(orderId === undefined ? {} : { order_id: orderId })
            }
          })
        )
      ),

    releaseReservation: (reservationId: ReservationId) =>
      recorded(
        Released,
        runStep(write("inventory.releaseReservations"), deps.inventory.releaseReservations({ payload: { reservation_id: reservationId } }))
      ),

    deduct: (key: string, reservationId: ReservationId) =>
      recorded(
        Deduction,
        runStep(write("inventory.deduct"), deps.inventory.deduct({ payload: { idempotency_key: key, reservation_id: reservationId } }))
      ),

    createMaster: (key: string, owner: OwnerRef, cart: Cart, totals: OrderTotals) =>
      recorded(
        Order,
        runStep(
          write("order.createMaster"),
          deps.order.createMaster({
            payload: { idempotency_key: key, type: "MASTER", cart_id: cart.cart_id, ...owner, currency: cart.currency, totals }
          })
        )
      ),

    createSubOrders: (key: string, orderId: OrderId, subOrders: ReadonlyArray<{ store_id: StoreId; totals: OrderTotals }>) =>
      recorded(
        SubOrdersCreated,
        runStep(
          write("order.createSubOrders"),
          deps.order.createSubOrders({ params: { order_id: orderId }, payload: { idempotency_key: key, sub_orders: subOrders } })
        )
      ),

    setPaymentStatus: (orderId: OrderId, paymentStatus: PaymentStatus, orderStatus?: "CONFIRMED" | "ON_HOLD") =>
      recorded(
        Order,
        runStep(
          write("order.setPaymentStatus"),
          deps.order.setPaymentStatus({
            params: { order_id: orderId },
            payload: { payment_status: paymentStatus, ...(orderStatus === undefined ? {} : { order_status: orderStatus }) }
          })
        )
      ),

    cancelOrder: (orderId: OrderId, reason: string) =>
      recorded(Order, runStep(write("order.cancel"), deps.order.cancel({ params: { order_id: orderId }, payload: { reason } }))),

    loyaltyAccount: (customerId: CustomerId) =>
      recorded(LoyaltyAccount, runStep(read("loyalty.account"), deps.loyalty.account({ params: { customer_id: customerId } }))),

    redeem: (key: string, customerId: CustomerId, orderId: OrderId, points: number) =>
      recorded(
        Redemption,
        runStep(write("loyalty.redeem"), deps.loyalty.redeem({ payload: { idempotency_key: key, customer_id: customerId, order_id: orderId, points } }))
      ),

    reverseRedemption: (key: string, redemptionId: string) =>
      recorded(
        Redemption,
        runStep(write("loyalty.reverse"), deps.loyalty.reverse({ params: { redemption_id: redemptionId }, payload: { idempotency_key: key } }))
      ),

    initiate: (key: string, owner: OwnerRef, orderId: OrderId, payment: PlannedPayment, currency: Cart["currency"]) =>
      recorded(
        PaymentRecord,
        runStep(
          write("payment.initiate"),
          deps.payment.initiate({
            payload: {
              idempotency_key: key,
              order_id: orderId,
              ...(owner.customer_id === undefined ? {} : { customer_id: owner.customer_id }),
              amount: payment.amount,
              currency,
              payment_mode: payment.mode,
              gateway: payment.gateway,
              ...(payment.instruction.client_callback_url === undefined ? {} : { callback_url: payment.instruction.client_callback_url }),
              ...(payment.instruction.meta === undefined ? {} : { meta: payment.instruction.meta })
            }
          })
        )
      ),

    paymentStatus: (paymentId: PaymentId) =>
      recorded(PaymentRecord, runStep(read("payment.status"), deps.payment.status({ params: { payment_id: paymentId } }))),

    refund: (key: string, paymentId: PaymentId) =>
      recorded(
        PaymentRecord,
        runStep(write("payment.refund"), deps.payment.refund({ params: { payment_id: paymentId }, payload: { idempotency_key: key } }))
      ),

    markCouponsUsed: (key: string, codes: ReadonlyArray<CouponCode>, customerId: CustomerId | undefined, orderId: OrderId) =>
      recorded(
        CouponsUsed,
        runStep(
          write("marketing.markCouponsUsed"),
          deps.marketing.markCouponsUsed({
            payload: { idempotency_key: key, codes, order_id: orderId, ...(customerId === undefined ? {} : { customer_id: customerId }) }
          })
        )
      ),

    notify: (key: string, template: NotificationTemplate, orderId: OrderId, owner: OwnerRef) =>
      recorded(
        NotificationsSent,
        runStep(
          write("notification.send"),
          deps.notification.send({
            payload: {
              idempotency_key: key,
              channels: ["EMAIL", "SMS", "PUSH"],
              template,
              order_id: orderId,
              ...(owner.customer_id === undefined ? {} : { customer_id: owner.customer_id }),
              ...(owner.session_id === undefined ? {} : { session_id: owner.session_id })
            }
          })
        )
      ),

    publishOrderPlaced: (
      key: string,
      orderId: OrderId,
      total: Minor,
      currency: Cart["currency"],
      fingerprint: string | undefined,
      from: string | undefined
    ) =>
      recorded(
        Published,
        runStep(
          write("event.publish"),
          deps.event.publish({
            payload: {
              idempotency_key: key,
              type: "ORDER_PLACED",
              order_id: orderId,
              total,
              currency,
              ...(fingerprint === undefined ? {} : { device_fingerprint: fingerprint }),
              ...(from === undefined ? {} : { order_initiated_from: from })
            }
          })
        )
      ),

    reward: (key: string, customerId: CustomerId, orderId: OrderId, points: number) =>
      recorded(
        LoyaltyAccount,
        runStep(write("loyalty.reward"), deps.loyalty.reward({ payload: { idempotency_key: key, customer_id: customerId, order_id: orderId, points } }))
      )
  }
}

export type CheckoutSteps = ReturnType<typeof makeCheckoutSteps>
