import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { CustomerId, OrderId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeLoyaltySimulator } from "../../src/simulators/LoyaltySimulator.ts"

const points = (key: string, n: number, customer = "cust_1") => ({
  payload: {
    idempotency_key: key,
    customer_id: CustomerId.make(customer),
    order_id: OrderId.make("ord_1"),
    points: n
  }
})

const reverse = (redemptionId: string, key: string) => ({
  params: { redemption_id: redemptionId },
  payload: { idempotency_key: key }
})

describe("LoyaltySimulator", () => {
  it.effect("reads a catalog customer's points and point value", () =>
    Effect.gen(function* () {
      const { operations } = yield* makeLoyaltySimulator(demoCatalog)
      const account = yield* operations.account({ params: { customer_id: CustomerId.make("cust_1") } })
      expect(account).toEqual({ customer_id: "cust_1", points: 1_200, point_value: 25 })
      const unknown = yield* Effect.flip(operations.account({ params: { customer_id: CustomerId.make("cust_404") } }))
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("redeems 400 of 1200 points at 0.25 for 100.00, and a reversal gives them back once", () =>
    Effect.gen(function* () {
      const sim = yield* makeLoyaltySimulator(demoCatalog)
      const redemption = yield* sim.operations.redeem(points("r", 400))
      expect(redemption).toEqual({ redemption_id: "red_1", points: 400, amount: 10_000, reversed: false })
      expect(sim.pointsOf("cust_1")).toBe(800)
      const reversed = yield* sim.operations.reverse(reverse(redemption.redemption_id, "v1"))
      expect(reversed).toEqual({ ...redemption, reversed: true })
      const again = yield* sim.operations.reverse(reverse(redemption.redemption_id, "v2"))
      expect(again).toEqual(reversed)
      expect(sim.pointsOf("cust_1")).toBe(1_200)
      expect(sim.redemptions()).toEqual([
        expect.objectContaining({ customer_id: "cust_1", order_id: "ord_1", redemption: reversed })
      ])
    })
  )

  it.effect("refuses more points than the balance with INSUFFICIENT_POINTS, and unknown customers", () =>
    Effect.gen(function* () {
      const sim = yield* makeLoyaltySimulator(demoCatalog)
      const tooMany = yield* Effect.flip(sim.operations.redeem(points("r", 1_201)))
      expect(tooMany).toMatchObject({ _tag: "ResourceConflict", reason: "INSUFFICIENT_POINTS" })
      const none = yield* Effect.flip(sim.operations.redeem(points("r2", 1, "cust_2")))
      expect(none).toMatchObject({ reason: "INSUFFICIENT_POINTS" })
      const unknown = yield* Effect.flip(sim.operations.redeem(points("r3", 1, "cust_404")))
      expect(unknown._tag).toBe("ResourceNotFound")
      expect(sim.pointsOf("cust_1")).toBe(1_200)
      // Every point at once is fine.
      expect((yield* sim.operations.redeem(points("all", 1_200))).amount).toBe(30_000)
      expect(sim.pointsOf("cust_1")).toBe(0)
    })
  )

  it.effect("redeems once per key, and concurrent redemptions never overdraw", () =>
    Effect.gen(function* () {
      const sim = yield* makeLoyaltySimulator(demoCatalog)
      const first = yield* sim.operations.redeem(points("same", 100))
      expect(yield* sim.operations.redeem(points("same", 100))).toEqual(first)
      expect(sim.pointsOf("cust_1")).toBe(1_100)
      const racing = yield* Effect.all(
        Array.from({ length: 4 }, (_, i) => Effect.exit(sim.operations.redeem(points(`race-${i}`, 500)))),
        { concurrency: "unbounded" }
      )
      expect(racing.filter(Exit.isSuccess)).toHaveLength(2)
      expect(sim.pointsOf("cust_1")).toBe(100)
    })
  )

  it.effect("replays a reverse key, and refuses an unknown redemption", () =>
    Effect.gen(function* () {
      const sim = yield* makeLoyaltySimulator(demoCatalog)
      const redemption = yield* sim.operations.redeem(points("r", 200))
      yield* sim.operations.reverse(reverse(redemption.redemption_id, "v"))
      yield* sim.operations.reverse(reverse(redemption.redemption_id, "v"))
      expect(sim.pointsOf("cust_1")).toBe(1_200)
      const unknown = yield* Effect.flip(sim.operations.reverse(reverse("red_404", "x")))
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("rewards points once per key", () =>
    Effect.gen(function* () {
      const sim = yield* makeLoyaltySimulator(demoCatalog)
      const account = yield* sim.operations.reward(points("w", 50, "cust_2"))
      expect(account).toEqual({ customer_id: "cust_2", points: 50, point_value: 25 })
      yield* sim.operations.reward(points("w", 50, "cust_2"))
      expect(sim.pointsOf("cust_2")).toBe(50)
      const unknown = yield* Effect.flip(sim.operations.reward(points("w2", 5, "cust_404")))
      expect(unknown._tag).toBe("ResourceNotFound")
      expect(sim.pointsOf("cust_404")).toBeUndefined()
    })
  )
})
