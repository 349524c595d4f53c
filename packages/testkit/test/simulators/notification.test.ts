import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { CustomerId, OrderId, SessionId } from "@orchestra/core/domain/Ids"
import type { Channel } from "@orchestra/core/services/Notification"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeNotificationSimulator } from "../../src/simulators/NotificationSimulator.ts"

const send = (key: string, channels: ReadonlyArray<typeof Channel.Type>) => ({
  payload: {
    idempotency_key: key,
    channels,
    template: "ORDER_CONFIRMATION" as const,
    order_id: OrderId.make("ord_1"),
    customer_id: CustomerId.make("cust_1")
  }
})

describe("NotificationSimulator", () => {
  it.effect("records one notification per channel", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const sim = yield* makeNotificationSimulator(demoCatalog)
      const { notification_ids } = yield* sim.operations.send(send("n", ["EMAIL", "SMS", "PUSH"]))
      expect(notification_ids).toEqual(["ntf_1", "ntf_2", "ntf_3"])
      expect(sim.sent().map((n) => n.channel)).toEqual(["EMAIL", "SMS", "PUSH"])
      expect(sim.sent()[0]).toEqual({
        notification_id: "ntf_1",
        channel: "EMAIL",
        template: "ORDER_CONFIRMATION",
        order_id: "ord_1",
        customer_id: "cust_1",
        idempotency_key: "n",
        sent_at: 1_000
      })
    })
  )

  it.effect("sends once per key, even concurrently, and a channel listed twice once", () =>
    Effect.gen(function* () {
      const sim = yield* makeNotificationSimulator(demoCatalog)
      const replies = yield* Effect.all(
        Array.from({ length: 3 }, () => sim.operations.send(send("same", ["EMAIL", "SMS"]))),
        { concurrency: "unbounded" }
      )
      expect(new Set(replies.map((r) => r.notification_ids.join()))).toEqual(new Set(["ntf_1,ntf_2"]))
      const twice = yield* sim.operations.send(send("dup", ["SMS", "SMS"]))
      expect(twice.notification_ids).toHaveLength(1)
      expect(sim.sent()).toHaveLength(3)
    })
  )

  it.effect("notifies a guest session", () =>
    Effect.gen(function* () {
      const sim = yield* makeNotificationSimulator(demoCatalog)
      const { customer_id: _customer, ...guest } = send("g", ["PUSH"]).payload
      yield* sim.operations.send({ payload: { ...guest, session_id: SessionId.make("sess_1") } })
      expect(sim.sent()[0]).toMatchObject({ session_id: "sess_1" })
      expect(sim.sent()[0]).not.toHaveProperty("customer_id")
    })
  )
})
