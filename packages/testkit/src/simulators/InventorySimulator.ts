import { Clock, Effect } from "effect"
import { type CartId, type OrderId, ReservationId } from "@orchestra/core/domain/Ids"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceConflict, ResourceNotFound } from "@orchestra/core/services/DownstreamErrors"
import type { InventoryGroup, StockLine } from "@orchestra/core/services/Inventory"
import type { Catalog } from "../catalog/Catalog.ts"

export type ReservationStatus = "HELD" | "RELEASED" | "DEDUCTED" | "EXPIRED"

export interface ReservationView {
  readonly reservation_id: ReservationId
  readonly cart_id: CartId
  readonly order_id?: OrderId
  readonly items: ReadonlyArray<StockLine>
  readonly expires_at: string
  /** As of the moment `reservations()` was called: a HELD reservation past its expiry is EXPIRED. */
  readonly status: ReservationStatus
}

export interface InventorySimulator {
  readonly operations: Operations<typeof InventoryGroup>
  /** Stock on hand (reservations not subtracted); 0 for anything the catalog does not stock. */
  readonly stockOf: (productId: string, variantId?: string) => number
  readonly reservations: () => Effect.Effect<ReadonlyArray<ReservationView>>
  /** Stock not held by live reservations, as `checkAvailability` computes it. */
  readonly availableOf: (productId: string, variantId?: string) => Effect.Effect<number>
  readonly setStock: (productId: string, variantId: string | undefined, quantity: number) => void
}

interface Reservation {
  readonly reservation_id: ReservationId
  readonly cart_id: CartId
  readonly order_id: OrderId | undefined
  readonly items: ReadonlyArray<StockLine>
  readonly expiresAt: number
  state: "HELD" | "RELEASED" | "DEDUCTED"
}

/**
 * Products with variants are stocked per variant, the others per product: a line that names no
 * variant of a product with variants (or one that does not exist) finds no stock.
 */
const stockKey = (productId: string, variantId: string | undefined): string =>
  variantId === undefined ? productId : `${productId}\u0000${variantId}`

export const makeInventorySimulator = (catalog: Catalog): Effect.Effect<InventorySimulator> =>
  Effect.sync(() => {
    // A seed with negative stock counts as none: stock never goes negative, from the start.
    const stock = new Map<string, number>()
    for (const product of catalog.products) {
      if (product.variants !== undefined) {
        for (const v of product.variants) stock.set(stockKey(product.product_id, v.variant_id), Math.max(0, v.stock))
      } else {
        stock.set(stockKey(product.product_id, undefined), Math.max(0, product.stock ?? 0))
      }
    }
    const reservations = new Map<string, Reservation>()
    const reserveByKey = new Map<string, { reservation_id: ReservationId; expires_at: string }>()
    const deductByKey = new Map<string, { reservation_id: ReservationId; deducted: boolean }>()
    let nextReservation = 1
    const names = new Map<string, string>(catalog.products.map((p) => [p.product_id, p.name]))

    /** "Ceramic Mug (prod_mug)": the message names the product for the customer-facing error. */
    const describe = (line: StockLine): string => {
      const id = line.variant_id === undefined ? line.product_id : `${line.product_id}/${line.variant_id}`
      const name = names.get(line.product_id)
      return name === undefined ? id : `${name} (${id})`
    }

    const statusAt = (r: Reservation, now: number): ReservationStatus =>
      r.state === "HELD" && now >= r.expiresAt ? "EXPIRED" : r.state

    const heldAt = (now: number): Map<string, number> => {
      const held = new Map<string, number>()
      for (const r of reservations.values()) {
        if (statusAt(r, now) !== "HELD") continue
        for (const line of r.items) {
          const key = stockKey(line.product_id, line.variant_id)
          held.set(key, (held.get(key) ?? 0) + line.quantity)
        }
      }
      return held
    }

    // Stock can be lowered under what is held (setStock), so the difference is floored at 0.
    const availableAt = (key: string, held: Map<string, number>): number =>
      Math.max(0, (stock.get(key) ?? 0) - (held.get(key) ?? 0))

    /** Quantities per stock key, so a line listed twice is checked against its total. */
    const totals = (items: ReadonlyArray<StockLine>): Map<string, { line: StockLine; quantity: number }> => {
      const byKey = new Map<string, { line: StockLine; quantity: number }>()
      for (const line of items) {
        const key = stockKey(line.product_id, line.variant_id)
        byKey.set(key, { line, quantity: (byKey.get(key)?.quantity ?? 0) + line.quantity })
      }
      return byKey
    }

    const operations: Operations<typeof InventoryGroup> = {
      checkAvailability: ({ payload }) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const held = heldAt(now)
          return {
            items: payload.items.map((line) => {
              const available = availableAt(stockKey(line.product_id, line.variant_id), held)
              return {
                product_id: line.product_id,
                ...(line.variant_id === undefined ? {} : { variant_id: line.variant_id }),
                requested: line.quantity,
                quantity_available: available,
                available: line.quantity <= available
              }
            })
          }
        }),

      reserve: ({ payload }) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          // Only a successful reserve claims its key: a retry after an OUT_OF_STOCK may succeed.
          const previous = reserveByKey.get(payload.idempotency_key)
          if (previous !== undefined) return previous
          const held = heldAt(now)
          for (const [key, { line, quantity }] of totals(payload.items)) {
            const available = availableAt(key, held)
            if (quantity > available) {
              return yield* new ResourceConflict({
                reason: "OUT_OF_STOCK",
                message: `${describe(line)}: ${quantity} requested, ${available} available`
              })
            }
          }
          const reservation: Reservation = {
            reservation_id: ReservationId.make(`res_${nextReservation++}`),
            cart_id: payload.cart_id,
            order_id: payload.order_id,
            items: payload.items,
            expiresAt: now + Math.max(0, payload.ttl_seconds) * 1000,
            state: "HELD"
          }
          reservations.set(reservation.reservation_id, reservation)
          const result = {
            reservation_id: reservation.reservation_id,
            expires_at: new Date(reservation.expiresAt).toISOString()
          }
          reserveByKey.set(payload.idempotency_key, result)
          return result
        }),

      releaseReservations: ({ payload = {} }) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          // With neither id there is nothing to select: releasing everything would be a footgun.
          if (payload.reservation_id === undefined && payload.cart_id === undefined) return { released: 0 }
          let released = 0
          for (const r of reservations.values()) {
            if (payload.reservation_id !== undefined && r.reservation_id !== payload.reservation_id) continue
            if (payload.cart_id !== undefined && r.cart_id !== payload.cart_id) continue
            if (statusAt(r, now) !== "HELD") continue
            r.state = "RELEASED"
            released++
          }
          return { released }
        }),

      deduct: ({ payload }) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const previous = deductByKey.get(payload.idempotency_key)
          if (previous !== undefined) return previous
          const r = reservations.get(payload.reservation_id)
          if (r === undefined) {
            return yield* new ResourceNotFound({ message: `reservation ${payload.reservation_id} not found` })
          }
          const status = statusAt(r, now)
          if (status !== "HELD") {
            const reason =
              status === "DEDUCTED" ? "ALREADY_DEDUCTED" : status === "EXPIRED" ? "RESERVATION_EXPIRED" : "RESERVATION_RELEASED"
            return yield* new ResourceConflict({ reason, message: `reservation ${r.reservation_id} is ${status}` })
          }
          // Held quantities are covered by stock unless an operator lowered it since; refuse
          // rather than let stock go negative.
          for (const [key, { line, quantity }] of totals(r.items)) {
            const onHand = stock.get(key) ?? 0
            if (quantity > onHand) {
              return yield* new ResourceConflict({
                reason: "OUT_OF_STOCK",
                message: `${describe(line)}: ${quantity} to deduct, ${onHand} in stock`
              })
            }
          }
          for (const [key, { quantity }] of totals(r.items)) stock.set(key, (stock.get(key) ?? 0) - quantity)
          r.state = "DEDUCTED"
          const result = { reservation_id: r.reservation_id, deducted: true }
          deductByKey.set(payload.idempotency_key, result)
          return result
        })
    }

    return {
      operations,
      stockOf: (productId, variantId) => stock.get(stockKey(productId, variantId)) ?? 0,
      availableOf: (productId, variantId) =>
        Effect.map(Clock.currentTimeMillis, (now) => availableAt(stockKey(productId, variantId), heldAt(now))),
      reservations: () =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          Array.from(reservations.values(), (r) => ({
            reservation_id: r.reservation_id,
            cart_id: r.cart_id,
            ...(r.order_id === undefined ? {} : { order_id: r.order_id }),
            items: r.items,
            expires_at: new Date(r.expiresAt).toISOString(),
            status: statusAt(r, now)
          }))
        ),
      setStock: (productId, variantId, quantity) => {
        if (!Number.isInteger(quantity) || quantity < 0) {
          throw new RangeError(`InventorySimulator: stock must be a non-negative integer, got ${quantity}`)
        }
        stock.set(stockKey(productId, variantId), quantity)
      }
    }
  })
