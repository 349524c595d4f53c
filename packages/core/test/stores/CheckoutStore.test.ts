import { expect } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { CheckoutStore, type SagaRecord } from "../../src/stores/CheckoutStore.ts"
import { keys } from "../../src/stores/keys.ts"
import { canMove, isTerminal, rank, SagaState } from "../../src/stores/SagaState.ts"
import { randomId, storeSuite } from "../support/redis.ts"

const TTL_MS = 7 * 86_400_000

const saga = (overrides: Partial<SagaRecord> = {}): SagaRecord => ({
  orderId: randomId("order"),
  state: "STARTED",
  gatewayOrderIds: [],
  data: JSON.stringify({ cartId: "c-1" }),
  updatedAt: 0,
  ...overrides
})

storeSuite(
  "CheckoutStore",
  {
    memory: CheckoutStore.layerMemory,
    redis: CheckoutStore.layerRedis,
    probe: CheckoutStore.use((store) => store.get("probe"))
  },
  (t) => {
    t.it("creates once, reads it back, and keeps it 7 days", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const record = saga()
        expect(yield* store.get(record.orderId)).toEqual(Option.none())
        expect(yield* store.create(record)).toBe("created")
        expect(yield* store.create({ ...record, state: "CANCELLED" })).toBe("exists")
        expect(yield* store.get(record.orderId)).toEqual(Option.some(record))
        yield* t.expectExpiry(keys.saga(record.orderId), TTL_MS, Effect.map(store.get(record.orderId), Option.isSome))
      })
    )

    t.it("finds a saga by any of its gateway order ids", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const [first, second, later] = [randomId("gw"), randomId("gw"), randomId("gw")]
        const record = saga({ gatewayOrderIds: [first, second] })
        yield* store.create(record)
        expect(yield* store.findByGatewayOrderId(second)).toEqual(Option.some(record))
        expect(yield* store.findByGatewayOrderId(later)).toEqual(Option.none())
        yield* store.addGatewayOrderId(record.orderId, later)
        yield* store.addGatewayOrderId(record.orderId, later)
        const found = yield* store.findByGatewayOrderId(later)
        expect(Option.map(found, (r) => r.gatewayOrderIds)).toEqual(Option.some([first, second, later]))
        yield* t.expectExpiry(
          keys.sagaByGateway(first),
          TTL_MS,
          Effect.map(store.findByGatewayOrderId(first), Option.isSome)
        )
      })
    )

    t.it("adding a gateway order id to an unknown saga indexes nothing", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const gatewayOrderId = randomId("gw")
        yield* store.addGatewayOrderId(randomId("order"), gatewayOrderId)
        expect(yield* store.findByGatewayOrderId(gatewayOrderId)).toEqual(Option.none())
      })
    )

    t.it("moves along allowed transitions, replacing data only when given", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const record = saga({ gatewayOrderIds: [randomId("gw")] })
        yield* store.create(record)
        const pending = yield* store.transition(record.orderId, "PAYMENTS_PENDING")
        expect(pending._tag).toBe("Moved")
        if (pending._tag === "Moved") {
          expect(pending.record).toMatchObject({ state: "PAYMENTS_PENDING", data: record.data })
          expect(pending.record.gatewayOrderIds).toEqual(record.gatewayOrderIds)
        }
        const confirmed = yield* store.transition(record.orderId, "PAYMENT_CONFIRMED", '{"paid":true}')
        expect(confirmed._tag === "Moved" && confirmed.record.data).toBe('{"paid":true}')
        const back = yield* store.transition(record.orderId, "PAYMENTS_PENDING")
        expect(back._tag).toBe("Rejected")
        if (back._tag === "Rejected") expect(Option.map(back.current, (r) => r.state)).toEqual(Option.some("PAYMENT_CONFIRMED"))
        expect(yield* store.transition(randomId("order"), "COMPENSATING")).toEqual({ _tag: "Rejected", current: Option.none() })
      })
    )

    t.it("concurrent confirm and compensate: exactly one wins", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const record = saga({ state: "PAYMENT_CONFIRMED" })
        yield* store.create(record)
        const results = yield* Effect.all(
          [store.transition(record.orderId, "COMPLETED"), store.transition(record.orderId, "COMPENSATING")],
          { concurrency: "unbounded" }
        )
        expect(results.filter((r) => r._tag === "Moved")).toHaveLength(1)
      })
    )

    t.prop(
      "over any sequence of transitions the rank never decreases and a terminal state never changes",
      [Schema.Array(SagaState).check(Schema.isMaxLength(12))],
      ([targets]) =>
        Effect.gen(function* () {
          const store = yield* CheckoutStore
          const record = saga()
          yield* store.create(record)
          let state = record.state
          for (const to of targets) {
            const result = yield* store.transition(record.orderId, to)
            const now = Option.getOrThrow(yield* store.get(record.orderId)).state
            expect(result._tag).toBe(canMove(state, to) ? "Moved" : "Rejected")
            expect(rank[now]).toBeGreaterThanOrEqual(rank[state])
            if (isTerminal(state)) expect(now).toBe(state)
            state = now
          }
        })
    )

    t.it("marks a webhook event processed once: true, then false", () =>
      Effect.gen(function* () {
        const store = yield* CheckoutStore
        const eventId = randomId("evt")
        expect(yield* store.markEventProcessed(eventId)).toBe(true)
        expect(yield* store.markEventProcessed(eventId)).toBe(false)
        const seen = Effect.map(store.markEventProcessed(eventId), (first) => !first)
        yield* t.expectExpiry(keys.webhookEvent(eventId), TTL_MS, seen)
      })
    )
  }
)
