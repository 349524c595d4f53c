import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { OrderId } from "@orchestra/core/domain/Ids"
import { Currency, minor } from "@orchestra/core/domain/Money"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeEventSimulator } from "../../src/simulators/EventSimulator.ts"

const orderPlaced = (key: string, orderId = "ord_1") => ({
  payload: {
    idempotency_key: key,
    type: "ORDER_PLACED" as const,
    order_id: OrderId.make(orderId),
    total: minor(2_104_000),
    currency: Currency.make("INR"),
    device_fingerprint: "fp_abc",
    order_initiated_from: "WEB"
  }
})

describe("EventSimulator", () => {
  it.effect("records a published event with its device fingerprint", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(2_000)
      const sim = yield* makeEventSimulator(demoCatalog)
      const { event_id } = yield* sim.operations.publish(orderPlaced("e"))
      expect(event_id).toBe("evt_1")
      expect(sim.published()).toEqual([
        {
          event_id: "evt_1",
          type: "ORDER_PLACED",
          order_id: "ord_1",
          total: 2_104_000,
          currency: "INR",
          device_fingerprint: "fp_abc",
          order_initiated_from: "WEB",
          idempotency_key: "e",
          published_at: 2_000
        }
      ])
    })
  )

  it.effect("publishes once per key, even concurrently", () =>
    Effect.gen(function* () {
      const sim = yield* makeEventSimulator(demoCatalog)
      const replies = yield* Effect.all(
        Array.from({ length: 5 }, () => sim.operations.publish(orderPlaced("same"))),
        { concurrency: "unbounded" }
      )
      expect(new Set(replies.map((r) => r.event_id))).toEqual(new Set(["evt_1"]))
      const other = yield* sim.operations.publish(orderPlaced("other", "ord_2"))
      expect(other.event_id).toBe("evt_2")
      expect(sim.published().map((e) => e.order_id)).toEqual(["ord_1", "ord_2"])
    })
  )

  it.effect("leaves out the optional fields that were not sent", () =>
    Effect.gen(function* () {
      const sim = yield* makeEventSimulator(demoCatalog)
      const { device_fingerprint: _fp, order_initiated_from: _from, ...bare } = orderPlaced("b").payload
      yield* sim.operations.publish({ payload: bare })
      expect(sim.published()[0]).not.toHaveProperty("device_fingerprint")
    })
  )
})
