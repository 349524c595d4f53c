import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { CartId, CustomerId, DomainId, OrderId, StoreId } from "@orchestra/core/domain/Ids"
import { Currency, minor } from "@orchestra/core/domain/Money"
import type { OrderTotals } from "@orchestra/core/domain/Order"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeOrderSimulator } from "../../src/simulators/OrderSimulator.ts"

const NOON_2025_06_01 = Date.UTC(2025, 5, 1, 12)

/** Totals whose parts add up: subtotal + tax + delivery = total. */
const totals = (subtotal: number, tax: number, delivery: number): OrderTotals => ({
  subtotal: minor(subtotal),
  discount: minor(0),
  tax: minor(tax),
  delivery_charge: minor(delivery),
  tips: minor(0),
  gift_wrap: minor(0),
  total: minor(subtotal + tax + delivery)
})

const master = (key: string, orderTotals: OrderTotals = totals(2_000_000, 100_000, 4_000)) => ({
  payload: {
    idempotency_key: key,
    type: "MASTER" as const,
    cart_id: CartId.make("cart_1"),
    domain_id: DomainId.make("dom_1"),
    customer_id: CustomerId.make("cust_1"),
    currency: Currency.make("INR"),
    totals: orderTotals
  }
})

const subOrders = (orderId: string, key: string, parts: ReadonlyArray<readonly [string, OrderTotals]>) => ({
  params: { order_id: OrderId.make(orderId) },
  payload: {
    idempotency_key: key,
    sub_orders: parts.map(([store, t]) => ({ store_id: StoreId.make(store), totals: t }))
  }
})

const orderRef = (orderId: string) => ({ params: { order_id: OrderId.make(orderId) } })

// 2_104_000 = 2_000_000 + 100_000 + 4_000, split over two stores.
const storeParts = [
  ["store_123", totals(1_999_900, 99_995, 2_000)],
  ["store_456", totals(100, 5, 2_000)]
] as const

describe("OrderSimulator", () => {
  it.effect("creates a PENDING master order numbered by year", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOON_2025_06_01)
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m1"))
      expect(order).toEqual({
        id: "ord_1",
        number: "ORD-2025-0001",
        order_status: "PENDING",
        payment_status: "PENDING",
        total: 2_104_000,
        currency: "INR",
        sub_orders: []
      })
      const second = yield* sim.operations.createMaster(master("m2"))
      expect(second.number).toBe("ORD-2025-0002")
      expect(sim.orders()[0]).toMatchObject({ cart_id: "cart_1", owner: { domain_id: "dom_1", customer_id: "cust_1" } })
      expect(sim.orderById(order.id)).toEqual(order)
    })
  )

  it.effect("creates one order for one key, even when the key arrives five times at once", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const orders = yield* Effect.all(
        Array.from({ length: 5 }, () => sim.operations.createMaster(master("same"))),
        { concurrency: "unbounded" }
      )
      expect(new Set(orders.map((o) => o.id)).size).toBe(1)
      expect(sim.orders()).toHaveLength(1)
    })
  )

  it.effect("numbers sub-orders after their master and attaches them", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(NOON_2025_06_01)
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m"))
      const { sub_orders } = yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      expect(sub_orders.map((s) => [s.number, s.store_id, s.total, s.order_status])).toEqual([
        ["ORD-2025-0001-01", "store_123", 2_101_895, "PENDING"],
        ["ORD-2025-0001-02", "store_456", 2_105, "PENDING"]
      ])
      expect(sub_orders[0]?.totals).toEqual(storeParts[0][1])
      expect(sim.orderById(order.id)?.sub_orders).toEqual(sub_orders)
      // A replay of the key returns the same sub-orders; a new key cannot add a second set.
      const replay = yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      expect(replay.sub_orders).toEqual(sub_orders)
      const again = yield* Effect.flip(sim.operations.createSubOrders(subOrders(order.id, "s2", storeParts)))
      expect(again).toMatchObject({ _tag: "ResourceConflict", reason: "SUB_ORDERS_EXIST" })
    })
  )

  it.effect("refuses sub-orders whose totals do not add up to the master's with TOTAL_MISMATCH", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m"))
      const short = yield* Effect.flip(
        sim.operations.createSubOrders(
          subOrders(order.id, "s", [
            ["store_123", totals(1_999_900, 99_995, 2_000)],
            ["store_456", totals(100, 4, 2_000)]
          ])
        )
      )
      expect(short).toMatchObject({ _tag: "ResourceConflict", reason: "TOTAL_MISMATCH" })
      expect(sim.orderById(order.id)?.sub_orders).toEqual([])
      // The refusal did not claim the key.
      const fixed = yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      expect(fixed.sub_orders).toHaveLength(2)
    })
  )

  it.effect("refuses an unknown master, an empty split, a store twice and a cancelled master", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const unknown = yield* Effect.flip(sim.operations.createSubOrders(subOrders("ord_404", "s", storeParts)))
      expect(unknown._tag).toBe("ResourceNotFound")
      const order = yield* sim.operations.createMaster(master("m", totals(1_000, 0, 0)))
      const reasonOf = (key: string, parts: ReadonlyArray<readonly [string, OrderTotals]>) =>
        Effect.flip(sim.operations.createSubOrders(subOrders(order.id, key, parts))).pipe(
          Effect.map((e) => (e._tag === "ResourceConflict" ? e.reason : e._tag))
        )
      expect(yield* reasonOf("a", [])).toBe("NO_SUB_ORDERS")
      expect(
        yield* reasonOf("b", [
          ["store_123", totals(500, 0, 0)],
          ["store_123", totals(500, 0, 0)]
        ])
      ).toBe("DUPLICATE_STORE")
      yield* sim.operations.cancel({ ...orderRef(order.id), payload: { reason: "PAYMENT_FAILED" } })
      expect(yield* reasonOf("c", [["store_123", totals(1_000, 0, 0)]])).toBe("ORDER_CANCELLED")
    })
  )

  it.effect("sets the payment status on the master and the order status on its sub-orders", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m"))
      yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      const pending = yield* sim.operations.setPaymentStatus({ ...orderRef(order.id), payload: { payment_status: "PENDING" } })
      expect(pending.order_status).toBe("PENDING")
      const paid = yield* sim.operations.setPaymentStatus({
        ...orderRef(order.id),
        payload: { payment_status: "SUCCESS", order_status: "CONFIRMED" }
      })
      expect(paid.payment_status).toBe("SUCCESS")
      expect(paid.order_status).toBe("CONFIRMED")
      expect(paid.sub_orders.map((s) => s.order_status)).toEqual(["CONFIRMED", "CONFIRMED"])
      expect(sim.orders()[0]?.sub_order_payment_status).toEqual(["SUCCESS", "SUCCESS"])
      const unknown = yield* Effect.flip(
        sim.operations.setPaymentStatus({ ...orderRef("ord_404"), payload: { payment_status: "SUCCESS" } })
      )
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("cancels the master and its sub-orders once, and a cancelled order stays cancelled", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m"))
      yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      const cancelled = yield* sim.operations.cancel({ ...orderRef(order.id), payload: { reason: "OUT_OF_STOCK" } })
      expect(cancelled.order_status).toBe("CANCELLED")
      expect(cancelled.sub_orders.map((s) => s.order_status)).toEqual(["CANCELLED", "CANCELLED"])
      const again = yield* sim.operations.cancel({ ...orderRef(order.id), payload: { reason: "retry" } })
      expect(again).toEqual(cancelled)
      expect(sim.orders()[0]?.cancel_reason).toBe("OUT_OF_STOCK")
      // A late payment is recorded but does not revive the order.
      const late = yield* sim.operations.setPaymentStatus({
        ...orderRef(order.id),
        payload: { payment_status: "SUCCESS", order_status: "CONFIRMED" }
      })
      expect(late).toMatchObject({ order_status: "CANCELLED", payment_status: "SUCCESS" })
      const unknown = yield* Effect.flip(sim.operations.cancel({ ...orderRef("ord_404"), payload: { reason: "x" } }))
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("finds masters only, and starts fresh per simulator", () =>
    Effect.gen(function* () {
      const sim = yield* makeOrderSimulator(demoCatalog)
      const order = yield* sim.operations.createMaster(master("m"))
      const { sub_orders } = yield* sim.operations.createSubOrders(subOrders(order.id, "s", storeParts))
      expect(sim.orderById(sub_orders[0]?.id ?? "")).toBeUndefined()
      const fresh = yield* makeOrderSimulator(demoCatalog)
      expect(fresh.orders()).toEqual([])
      expect((yield* fresh.operations.createMaster(master("m"))).id).toBe("ord_1")
    })
  )
})
