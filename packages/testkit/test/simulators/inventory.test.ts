import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { CartId, ProductId, ReservationId, VariantId } from "@orchestra/core/domain/Ids"
import type { StockLine } from "@orchestra/core/services/Inventory"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeInventorySimulator, type ReservationView } from "../../src/simulators/InventorySimulator.ts"

const line = (product: string, quantity: number, variant?: string): StockLine => ({
  product_id: ProductId.make(product),
  ...(variant === undefined ? {} : { variant_id: VariantId.make(variant) }),
  quantity
})
const cart = CartId.make
const reserveRequest = (key: string, cartId: string, items: ReadonlyArray<StockLine>, ttl_seconds = 900) => ({
  payload: { idempotency_key: key, cart_id: cart(cartId), items, ttl_seconds }
})

describe("InventorySimulator", () => {
  it.effect("reports availability from catalog stock, per variant where the product has variants", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const { items } = yield* inventory.operations.checkAvailability({
        payload: {
          items: [
            line("prod_mug", 2),
            line("prod_mug", 3),
            line("prod_phone", 1, "var_128gb"),
            line("prod_phone", 1, "var_256gb"),
            line("prod_powerbank", 1),
            line("prod_unknown", 1)
          ]
        }
      })
      assert.deepStrictEqual<unknown>(
        items.map((i) => [i.product_id, i.variant_id, i.requested, i.quantity_available, i.available]),
        [
          ["prod_mug", undefined, 2, 2, true],
          ["prod_mug", undefined, 3, 2, false],
          ["prod_phone", "var_128gb", 1, 10, true],
          ["prod_phone", "var_256gb", 1, 0, false],
          ["prod_powerbank", undefined, 1, 0, false],
          ["prod_unknown", undefined, 1, 0, false]
        ]
      )
    })
  )

  it.effect("reserves the last two mugs, then refuses a third with OUT_OF_STOCK naming the product", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const first = yield* inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_mug", 2)]))
      assert.strictEqual(first.reservation_id, "res_1")
      assert.strictEqual(first.expires_at, new Date(900_000).toISOString())
      const error = yield* Effect.flip(inventory.operations.reserve(reserveRequest("k2", "cart_b", [line("prod_mug", 1)])))
      assert.strictEqual(error._tag, "ResourceConflict")
      assert.strictEqual(error.reason, "OUT_OF_STOCK")
      assert.include(error.message, "Ceramic Mug")
      assert.include(error.message, "prod_mug")
      assert.strictEqual(yield* inventory.availableOf("prod_mug"), 0)
      // A reservation holds stock; only a deduct takes it off the shelf.
      assert.strictEqual(inventory.stockOf("prod_mug"), 2)
    })
  )

  it.effect("reserves all or nothing, and counts a product listed twice by its total", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const error = yield* Effect.flip(
        inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_case", 5), line("prod_mug", 1), line("prod_mug", 2)]))
      )
      assert.strictEqual(error.reason, "OUT_OF_STOCK")
      assert.strictEqual(yield* inventory.availableOf("prod_case"), 50)
      assert.deepStrictEqual<unknown>(yield* inventory.reservations(), [])
    })
  )

  it.effect("acts once per idempotency key and answers a replay with the first result", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const request = reserveRequest("same-key", "cart_a", [line("prod_premium_case", 2)])
      const first = yield* inventory.operations.reserve(request)
      const again = yield* inventory.operations.reserve(request)
      assert.deepStrictEqual<unknown>(again, first)
      assert.strictEqual((yield* inventory.reservations()).length, 1)
      assert.strictEqual(yield* inventory.availableOf("prod_premium_case"), 3)
    })
  )

  it.effect("lets a key that failed with OUT_OF_STOCK succeed once stock is back", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const request = reserveRequest("retry-key", "cart_a", [line("prod_powerbank", 1)])
      assert.strictEqual((yield* Effect.flip(inventory.operations.reserve(request))).reason, "OUT_OF_STOCK")
      inventory.setStock("prod_powerbank", undefined, 3)
      const reserved = yield* inventory.operations.reserve(request)
      assert.strictEqual(reserved.reservation_id, "res_1")
    })
  )

  it.effect("frees the held stock when the reservation's TTL passes", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const { reservation_id } = yield* inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_mug", 2)], 60))
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* inventory.availableOf("prod_mug"), 0)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* inventory.availableOf("prod_mug"), 2)
      assert.deepStrictEqual<unknown>(
        (yield* inventory.reservations()).map((r) => [r.reservation_id, r.status]),
        [[reservation_id, "EXPIRED"]]
      )
      const error = yield* Effect.flip(inventory.operations.deduct({ payload: { idempotency_key: "d1", reservation_id } }))
      assert.strictEqual(error._tag, "ResourceConflict")
      assert.strictEqual(error._tag === "ResourceConflict" ? error.reason : undefined, "RESERVATION_EXPIRED")
      const next = yield* inventory.operations.reserve(reserveRequest("k2", "cart_b", [line("prod_mug", 2)]))
      assert.strictEqual(next.reservation_id, "res_2")
    })
  )

  it.effect("deducts a reservation from stock once", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const { reservation_id } = yield* inventory.operations.reserve(
        reserveRequest("k1", "cart_a", [line("prod_phone", 2, "var_128gb"), line("prod_case", 1)])
      )
      const deducted = yield* inventory.operations.deduct({ payload: { idempotency_key: "d1", reservation_id } })
      assert.deepStrictEqual<unknown>(deducted, { reservation_id, deducted: true })
      assert.strictEqual(inventory.stockOf("prod_phone", "var_128gb"), 8)
      assert.strictEqual(inventory.stockOf("prod_case"), 49)
      assert.strictEqual(yield* inventory.availableOf("prod_phone", "var_128gb"), 8)

      const replay = yield* inventory.operations.deduct({ payload: { idempotency_key: "d1", reservation_id } })
      assert.deepStrictEqual<unknown>(replay, deducted)
      assert.strictEqual(inventory.stockOf("prod_phone", "var_128gb"), 8)

      const twice = yield* Effect.flip(inventory.operations.deduct({ payload: { idempotency_key: "d2", reservation_id } }))
      assert.strictEqual(twice._tag === "ResourceConflict" ? twice.reason : twice._tag, "ALREADY_DEDUCTED")
      assert.strictEqual(inventory.stockOf("prod_phone", "var_128gb"), 8)
      assert.deepStrictEqual<unknown>((yield* inventory.reservations()).map((r) => r.status), ["DEDUCTED"])
    })
  )

  it.effect("answers NotFound for an unknown reservation and Conflict for a released one", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const unknown = yield* Effect.flip(
        inventory.operations.deduct({ payload: { idempotency_key: "d1", reservation_id: ReservationId.make("res_404") } })
      )
      assert.strictEqual(unknown._tag, "ResourceNotFound")
      const { reservation_id } = yield* inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_case", 1)]))
      assert.deepStrictEqual<unknown>(yield* inventory.operations.releaseReservations({ payload: { reservation_id } }), { released: 1 })
      const released = yield* Effect.flip(inventory.operations.deduct({ payload: { idempotency_key: "d2", reservation_id } }))
      assert.strictEqual(released._tag === "ResourceConflict" ? released.reason : released._tag, "RESERVATION_RELEASED")
      assert.strictEqual(inventory.stockOf("prod_case"), 50)
    })
  )

  it.effect("releases every live reservation of a cart, and only those", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      yield* inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_case", 10)]))
      yield* inventory.operations.reserve(reserveRequest("k2", "cart_a", [line("prod_case", 5)], 30))
      yield* inventory.operations.reserve(reserveRequest("k3", "cart_a", [line("prod_case", 1)]))
      yield* inventory.operations.reserve(reserveRequest("k4", "cart_b", [line("prod_case", 20)]))
      const { reservation_id: deducted } = yield* inventory.operations.reserve(
        reserveRequest("k5", "cart_a", [line("prod_screen", 1)])
      )
      yield* inventory.operations.deduct({ payload: { idempotency_key: "d", reservation_id: deducted } })
      // res_2 expires: it holds nothing any more, so releasing the cart does not count it.
      yield* TestClock.adjust("31 seconds")

      const { released } = yield* inventory.operations.releaseReservations({ payload: { cart_id: cart("cart_a") } })
      assert.strictEqual(released, 2)
      assert.deepStrictEqual<unknown>(
        (yield* inventory.reservations()).map((r) => [r.reservation_id, r.cart_id, r.status]),
        [
          ["res_1", "cart_a", "RELEASED"],
          ["res_2", "cart_a", "EXPIRED"],
          ["res_3", "cart_a", "RELEASED"],
          ["res_4", "cart_b", "HELD"],
          ["res_5", "cart_a", "DEDUCTED"]
        ]
      )
      assert.strictEqual(yield* inventory.availableOf("prod_case"), 30)
      assert.deepStrictEqual<unknown>(yield* inventory.operations.releaseReservations({ payload: { cart_id: cart("cart_a") } }), {
        released: 0
      })
      assert.deepStrictEqual<unknown>(yield* inventory.operations.releaseReservations({ payload: {} }), { released: 0 })
    })
  )

  it.effect("keeps every reserve consistent when many run concurrently", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        (i) => Effect.result(inventory.operations.reserve(reserveRequest(`k${i}`, `cart_${i}`, [line("prod_mug", 1)]))),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(outcomes.filter((o) => o._tag === "Success").length, 2)
      assert.strictEqual(yield* inventory.availableOf("prod_mug"), 0)
    })
  )

  it.effect("never deducts below zero when stock was lowered under a live reservation", () =>
    Effect.gen(function* () {
      const inventory = yield* makeInventorySimulator(demoCatalog)
      const { reservation_id } = yield* inventory.operations.reserve(reserveRequest("k1", "cart_a", [line("prod_premium_case", 4)]))
      inventory.setStock("prod_premium_case", undefined, 1)
      assert.strictEqual(yield* inventory.availableOf("prod_premium_case"), 0)
      const error = yield* Effect.flip(inventory.operations.deduct({ payload: { idempotency_key: "d1", reservation_id } }))
      assert.strictEqual(error._tag === "ResourceConflict" ? error.reason : error._tag, "OUT_OF_STOCK")
      assert.strictEqual(inventory.stockOf("prod_premium_case"), 1)
      assert.throws(() => inventory.setStock("prod_premium_case", undefined, -1))
    })
  )

  const Small = (max: number) => Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: max }))
  const ReservationNumber = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 8 }))
  const Step = Schema.Union([
    Schema.Struct({
      kind: Schema.Literal("reserve"),
      cart: Small(2),
      item: Small(3),
      quantity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 4 })),
      ttl: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 120 }))
    }),
    Schema.Struct({ kind: Schema.Literal("release"), cart: Small(2) }),
    Schema.Struct({ kind: Schema.Literal("releaseOne"), reservation: ReservationNumber }),
    Schema.Struct({ kind: Schema.Literal("deduct"), reservation: ReservationNumber, key: Small(3) }),
    Schema.Struct({ kind: Schema.Literal("expire"), seconds: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 90 })) })
  ])
  // Low stock on purpose: the interesting cases are the ones that run out.
  const items: ReadonlyArray<readonly [string, string | undefined]> = [
    ["prod_mug", undefined],
    ["prod_premium_case", undefined],
    ["prod_phone", "var_128gb"],
    ["prod_powerbank", undefined]
  ]

  it.effect.prop(
    "keeps 0 ≤ available ≤ stock, stock ≥ 0, and stock + deducted = initial stock under any sequence",
    // Short sequences rarely reach a deduct of a live reservation, so each run has 15 to 40 steps.
    [Schema.Array(Step).check(Schema.isMinLength(15), Schema.isMaxLength(40))],
    ([steps]) =>
      Effect.gen(function* () {
        const inventory = yield* makeInventorySimulator(demoCatalog)
        const initial = items.map(([p, v]) => inventory.stockOf(p, v))
        const deductedTotal = items.map(() => 0)
        for (const step of steps) {
          switch (step.kind) {
            case "reserve": {
              const [product, variant] = items[step.item] ?? items[0]!
              yield* Effect.ignore(
                inventory.operations.reserve(
                  reserveRequest(`r${step.cart}-${step.item}-${step.quantity}`, `cart_${step.cart}`, [
                    line(product, step.quantity, variant)
                  ], step.ttl)
                )
              )
              break
            }
            case "release":
              yield* inventory.operations.releaseReservations({ payload: { cart_id: cart(`cart_${step.cart}`) } })
              break
            case "releaseOne":
              yield* inventory.operations.releaseReservations({
                payload: { reservation_id: ReservationId.make(`res_${step.reservation}`) }
              })
              break
            case "deduct": {
              const reservation_id = ReservationId.make(`res_${step.reservation}`)
              const statusOf = (all: ReadonlyArray<ReservationView>) => all.find((r) => r.reservation_id === reservation_id)
              const target = statusOf(yield* inventory.reservations())
              // A key already used for another reservation replays that answer and deducts nothing.
              yield* Effect.ignore(
                inventory.operations.deduct({ payload: { idempotency_key: `d${step.key}`, reservation_id } })
              )
              const after = statusOf(yield* inventory.reservations())
              if (target?.status === "HELD" && after?.status === "DEDUCTED") {
                for (const l of target.items) {
                  const index = items.findIndex(([p, v]) => p === l.product_id && v === l.variant_id)
                  deductedTotal[index] = (deductedTotal[index] ?? 0) + l.quantity
                }
              }
              break
            }
            case "expire":
              yield* TestClock.adjust(`${step.seconds} seconds`)
              break
          }
          for (const [index, [product, variant]] of items.entries()) {
            const stock = inventory.stockOf(product, variant)
            const available = yield* inventory.availableOf(product, variant)
            assert.isAtLeast(stock, 0)
            assert.isAtLeast(available, 0)
            assert.isAtMost(available, stock)
            assert.strictEqual(stock + (deductedTotal[index] ?? 0), initial[index])
          }
        }
      })
  )
})
