import type { Cart } from "../domain/Cart.ts"
import type { CartId, CouponCode, CustomerId, OrderId, PaymentId, ReservationId } from "../domain/Ids.ts"
import type { Minor } from "../domain/Money.ts"
import { toOwnerRef, type Owner } from "../domain/Owner.ts"
import type { OrderTotals } from "../domain/Order.ts"
import type { PaymentStatus } from "../domain/Payment.ts"
import { runStep } from "../runtime/StepRunner.ts"
import type { StockLine } from "../services/Inventory.ts"
import type { StoreId } from "../domain/Ids.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import type { PlannedPayment } from "./paymentPlan.ts"

const read = (name: string) => ({ name, kind: "read" as const })
/** Every checkout write carries a key derived from the request's Idempotency-Key: safe to retry. */
const write = (name: string) => ({ name, kind: "write" as const, idempotent: true })

export const RESERVATION_TTL_SECONDS = 900

/** The downstream calls of the checkout saga (DESIGN §6), named as the trace names them. */
export const makeCheckoutSteps = (deps: CheckoutDeps) => ({
  compute: (cart: Cart) => runStep(write("cart.compute"), deps.cart.compute({ params: { cart_id: cart.cart_id }, payload: {} })),

  strictInventory: (items: ReadonlyArray<StockLine>) =>
    runStep(read("inventory.checkAvailability"), deps.inventory.checkAvailability({ payload: { items, strict: true } })),

  reserve: (key: string, cartId: CartId, items: ReadonlyArray<StockLine>, orderId?: OrderId) =>
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
    ),

  releaseReservation: (reservationId: ReservationId) =>
    runStep(write("inventory.releaseReservations"), deps.inventory.releaseReservations({ payload: { reservation_id: reservationId } })),

  deduct: (key: string, reservationId: ReservationId) =>
    runStep(write("inventory.deduct"), deps.inventory.deduct({ payload: { idempotency_key: key, reservation_id: reservationId } })),

  createMaster: (key: string, owner: Owner, cart: Cart, totals: OrderTotals) =>
    runStep(
      write("order.createMaster"),
      deps.order.createMaster({
        payload: { idempotency_key: key, type: "MASTER", cart_id: cart.cart_id, ...toOwnerRef(owner), currency: cart.currency, totals }
      })
    ),

  createSubOrders: (key: string, orderId: OrderId, subOrders: ReadonlyArray<{ store_id: StoreId; totals: OrderTotals }>) =>
    runStep(
      write("order.createSubOrders"),
      deps.order.createSubOrders({ params: { order_id: orderId }, payload: { idempotency_key: key, sub_orders: subOrders } })
    ),

  setPaymentStatus: (orderId: OrderId, paymentStatus: PaymentStatus, orderStatus?: "CONFIRMED" | "ON_HOLD") =>
    runStep(
      write("order.setPaymentStatus"),
      deps.order.setPaymentStatus({
        params: { order_id: orderId },
        payload: { payment_status: paymentStatus, ...(orderStatus === undefined ? {} : { order_status: orderStatus }) }
      })
    ),

  removeCart: (cartId: CartId) => runStep(write("cart.remove"), deps.cart.remove({ params: { cart_id: cartId } })),

  cancelOrder: (orderId: OrderId, reason: string) =>
    runStep(write("order.cancel"), deps.order.cancel({ params: { order_id: orderId }, payload: { reason } })),

  loyaltyAccount: (customerId: CustomerId) => runStep(read("loyalty.account"), deps.loyalty.account({ params: { customer_id: customerId } })),

  redeem: (key: string, customerId: CustomerId, orderId: OrderId, points: number) =>
    runStep(write("loyalty.redeem"), deps.loyalty.redeem({ payload: { idempotency_key: key, customer_id: customerId, order_id: orderId, points } })),

  reverseRedemption: (key: string, redemptionId: string) =>
    runStep(write("loyalty.reverse"), deps.loyalty.reverse({ params: { redemption_id: redemptionId }, payload: { idempotency_key: key } })),

  initiate: (key: string, owner: Owner, orderId: OrderId, payment: PlannedPayment, currency: Cart["currency"]) =>
    runStep(
      write("payment.initiate"),
      deps.payment.initiate({
        payload: {
          idempotency_key: key,
          order_id: orderId,
          ...(owner._tag === "Customer" ? { customer_id: owner.customerId } : {}),
          amount: payment.amount,
          currency,
          payment_mode: payment.mode,
          gateway: payment.gateway,
          ...(payment.instruction.client_callback_url === undefined ? {} : { callback_url: payment.instruction.client_callback_url }),
          ...(payment.instruction.meta === undefined ? {} : { meta: payment.instruction.meta })
        }
      })
    ),

  refund: (key: string, paymentId: PaymentId) =>
    runStep(write("payment.refund"), deps.payment.refund({ params: { payment_id: paymentId }, payload: { idempotency_key: key } })),

  markCouponsUsed: (key: string, codes: ReadonlyArray<CouponCode>, customerId: CustomerId | undefined, orderId: OrderId) =>
    runStep(
      write("marketing.markCouponsUsed"),
      deps.marketing.markCouponsUsed({
        payload: { idempotency_key: key, codes, order_id: orderId, ...(customerId === undefined ? {} : { customer_id: customerId }) }
      })
    ),

  notify: (key: string, orderId: OrderId, owner: { customer_id?: CustomerId; session_id?: Cart["session_id"] }) =>
    runStep(
      write("notification.send"),
      deps.notification.send({
        payload: {
          idempotency_key: key,
          channels: ["EMAIL", "SMS", "PUSH"],
          template: "ORDER_CONFIRMATION",
          order_id: orderId,
          ...(owner.customer_id === undefined ? {} : { customer_id: owner.customer_id }),
          ...(owner.session_id === undefined ? {} : { session_id: owner.session_id })
        }
      })
    ),

  publishOrderPlaced: (
    key: string,
    orderId: OrderId,
    total: Minor,
    currency: Cart["currency"],
    fingerprint: string | undefined,
    from: string | undefined
  ) =>
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
    ),

  reward: (key: string, customerId: CustomerId, orderId: OrderId, points: number) =>
    runStep(write("loyalty.reward"), deps.loyalty.reward({ payload: { idempotency_key: key, customer_id: customerId, order_id: orderId, points } }))
})

export type CheckoutSteps = ReturnType<typeof makeCheckoutSteps>
