import { Effect, Exit } from "effect"
import { type CartId, OrderId } from "@orchestra/core/domain/Ids"
import { format, sum } from "@orchestra/core/domain/Money"
import type { Order, OrderStatus, OrderTotals, SubOrder } from "@orchestra/core/domain/Order"
import type { OwnerRef } from "@orchestra/core/domain/Owner"
import type { PaymentStatus } from "@orchestra/core/domain/Payment"
import type { Operations } from "@orchestra/core/services/Downstream"
import type { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { OrderGroup } from "@orchestra/core/services/Order"
import type { Catalog } from "../catalog/Catalog.ts"
import { atomically, conflict, firstSuccessByKey, notFound, sequence } from "./Simulation.ts"

/** A master order as the simulator keeps it: the contract's view plus what it was created from. */
export interface OrderEntry {
  readonly order: Order
  readonly cart_id: CartId
  readonly owner: OwnerRef
  readonly totals: OrderTotals
  /** The payment status of each sub-order, which the contract's `SubOrder` does not carry. */
  readonly sub_order_payment_status: ReadonlyArray<PaymentStatus>
  readonly cancel_reason?: string
  readonly created_at: number
  readonly updated_at: number
}

export interface OrderSimulator {
  readonly operations: Operations<typeof OrderGroup>
  readonly orders: () => ReadonlyArray<OrderEntry>
  /** Master orders only; sub-orders are read through their master. */
  readonly orderById: (id: string) => Order | undefined
}

interface MasterState {
  order: Order
  readonly cartId: CartId
  readonly owner: OwnerRef
  readonly totals: OrderTotals
  subOrderPaymentStatus: ReadonlyArray<PaymentStatus>
  cancelReason: string | undefined
  readonly createdAt: number
  updatedAt: number
}

const entryOf = (state: MasterState): OrderEntry => ({
  order: state.order,
  cart_id: state.cartId,
  owner: state.owner,
  totals: state.totals,
  sub_order_payment_status: state.subOrderPaymentStatus,
  ...(state.cancelReason === undefined ? {} : { cancel_reason: state.cancelReason }),
  created_at: state.createdAt,
  updated_at: state.updatedAt
})

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

// The service has one currency per order, given by the caller; the catalog plays no part here.
export const makeOrderSimulator = (_catalog: Catalog): Effect.Effect<OrderSimulator> =>
  Effect.sync(() => {
    const masters = new Map<string, MasterState>()
    const nextOrderId = sequence("ord")
    let ordersNumbered = 0
    const createOnce = firstSuccessByKey<MasterState, never>()
    const subOrdersOnce = firstSuccessByKey<MasterState, ResourceNotFound | ResourceConflict>()

    const touch = (state: MasterState, now: number, order: Order): MasterState => {
      state.order = order
      state.updatedAt = now
      return state
    }

    const operations: Operations<typeof OrderGroup> = {
      createMaster: ({ payload }) =>
        atomically((now) =>
          createOnce(payload.idempotency_key, () => {
            const { cart_id, currency, totals } = payload
            const owner: OwnerRef = {
              domain_id: payload.domain_id,
              ...(payload.customer_id === undefined ? {} : { customer_id: payload.customer_id }),
              ...(payload.session_id === undefined ? {} : { session_id: payload.session_id })
            }
            const state: MasterState = {
              order: {
                id: OrderId.make(nextOrderId()),
                number: `ORD-${new Date(now).getUTCFullYear()}-${pad(++ordersNumbered, 4)}`,
                order_status: "PENDING",
                payment_status: "PENDING",
                total: totals.total,
                currency,
                sub_orders: []
              },
              cartId: cart_id,
              owner,
              totals,
              subOrderPaymentStatus: [],
              cancelReason: undefined,
              createdAt: now,
              updatedAt: now
            }
            masters.set(state.order.id, state)
            return Exit.succeed(state)
          }).pipe(Exit.map((state) => state.order))
        ),

      createSubOrders: ({ params, payload }) =>
        atomically((now) =>
          subOrdersOnce(payload.idempotency_key, (): Exit.Exit<MasterState, ResourceNotFound | ResourceConflict> => {
            const master = masters.get(params.order_id)
            if (master === undefined) return notFound(`order ${params.order_id} not found`)
            const { order } = master
            if (order.order_status === "CANCELLED") {
              return conflict("ORDER_CANCELLED", `order ${order.number} is cancelled`)
            }
            if (order.sub_orders.length > 0) {
              return conflict("SUB_ORDERS_EXIST", `order ${order.number} already has its sub-orders`)
            }
            if (payload.sub_orders.length === 0) return conflict("NO_SUB_ORDERS", "at least one sub-order is required")
            const stores = new Set(payload.sub_orders.map((s) => s.store_id))
            if (stores.size !== payload.sub_orders.length) {
              return conflict("DUPLICATE_STORE", "one sub-order per store")
            }
            const subTotal = sum(payload.sub_orders.map((s) => s.totals.total))
            if (subTotal !== order.total) {
              return conflict(
                "TOTAL_MISMATCH",
                `sub-orders total ${format(subTotal)}, the master order ${format(order.total)}`
              )
            }
            const subOrders = payload.sub_orders.map(
              (s, index): SubOrder => ({
                id: OrderId.make(nextOrderId()),
                number: `${order.number}-${pad(index + 1, 2)}`,
                store_id: s.store_id,
                order_status: order.order_status,
                total: s.totals.total,
                totals: s.totals
              })
            )
            master.subOrderPaymentStatus = subOrders.map(() => order.payment_status)
            return Exit.succeed(touch(master, now, { ...order, sub_orders: subOrders }))
          }).pipe(Exit.map((state) => ({ sub_orders: state.order.sub_orders })))
        ),

      setPaymentStatus: ({ params, payload }) =>
        atomically((now): Exit.Exit<Order, ResourceNotFound> => {
          const master = masters.get(params.order_id)
          if (master === undefined) return notFound(`order ${params.order_id} not found`)
          const { order } = master
          // A cancelled order stays cancelled: a late payment is refunded, not revived. The
          // payment status is still recorded, since it states where the money is.
          const orderStatus: OrderStatus =
            order.order_status === "CANCELLED" ? "CANCELLED" : (payload.order_status ?? order.order_status)
          master.subOrderPaymentStatus = order.sub_orders.map(() => payload.payment_status)
          const updated = touch(master, now, {
            ...order,
            payment_status: payload.payment_status,
            order_status: orderStatus,
            sub_orders: order.sub_orders.map((s) => ({ ...s, order_status: orderStatus }))
          })
          return Exit.succeed(updated.order)
        }),

      cancel: ({ params, payload }) =>
        atomically((now): Exit.Exit<Order, ResourceNotFound> => {
          const master = masters.get(params.order_id)
          if (master === undefined) return notFound(`order ${params.order_id} not found`)
          const { order } = master
          if (order.order_status === "CANCELLED") return Exit.succeed(order)
          master.cancelReason = payload.reason
          const cancelled = touch(master, now, {
            ...order,
            order_status: "CANCELLED",
            sub_orders: order.sub_orders.map((s) => ({ ...s, order_status: "CANCELLED" }))
          })
          return Exit.succeed(cancelled.order)
        })
    }

    return {
      operations,
      orders: () => Array.from(masters.values(), entryOf),
      orderById: (id) => masters.get(id)?.order
    }
  })
