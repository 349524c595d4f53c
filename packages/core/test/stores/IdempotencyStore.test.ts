import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { BeginOutcome, IdempotencyStore, type StoredResponse } from "../../src/stores/IdempotencyStore.ts"
import { keys } from "../../src/stores/keys.ts"
import { randomId, storeSuite } from "../support/redis.ts"

const response: StoredResponse = {
  status: 201,
  body: JSON.stringify({ id: "order-1" }),
  headers: { "content-type": "application/json", "x-request-id": "r-1" }
}

storeSuite(
  "IdempotencyStore",
  {
    memory: IdempotencyStore.layerMemory,
    redis: IdempotencyStore.layerRedis,
    probe: IdempotencyStore.use((store) => store.begin("probe", randomId("key"), "fp"))
  },
  (t) => {
    t.it("the first begin starts; the same request while running is in progress; another body mismatches", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        expect(yield* store.begin(scope, key, "fp-a")).toEqual(BeginOutcome.Started())
        expect(yield* store.begin(scope, key, "fp-a")).toEqual(BeginOutcome.InProgress())
        expect(yield* store.begin(scope, key, "fp-b")).toEqual(BeginOutcome.Mismatch())
        // Keys are per owner: another owner may use the same key.
        expect(yield* store.begin(randomId("owner"), key, "fp-b")).toEqual(BeginOutcome.Started())
      })
    )

    t.it("concurrent begins: exactly one starts", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        const outcomes = yield* Effect.all(
          Array.from({ length: 8 }, () => store.begin(scope, key, "fp")),
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter((o) => o._tag === "Started")).toHaveLength(1)
        expect(outcomes.filter((o) => o._tag === "InProgress")).toHaveLength(7)
      })
    )

    t.it("after complete, the same request replays the response and another body mismatches", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        yield* store.begin(scope, key, "fp-a")
        yield* store.complete(scope, key, "fp-a", response)
        expect(yield* store.begin(scope, key, "fp-a")).toEqual(BeginOutcome.Completed({ response }))
        expect(yield* store.begin(scope, key, "fp-b")).toEqual(BeginOutcome.Mismatch())
      })
    )

    t.it("abandon forgets the key so the request can be retried", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        yield* store.begin(scope, key, "fp-a")
        yield* store.abandon(scope, key)
        expect(yield* store.begin(scope, key, "fp-b")).toEqual(BeginOutcome.Started())
      })
    )

    t.it("an in-progress record lasts 60 s, so a crashed request does not block the key", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        yield* store.begin(scope, key, "fp")
        const held = Effect.map(store.begin(scope, key, "fp"), (o) => o._tag !== "Started")
        yield* t.expectExpiry(keys.idempotency(scope, key), 60_000, held)
      })
    )

    t.it("a completed response is kept 24 h", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const scope = randomId("owner")
        const key = randomId("key")
        yield* store.begin(scope, key, "fp")
        yield* store.complete(scope, key, "fp", response)
        const kept = Effect.map(store.begin(scope, key, "fp"), (o) => o._tag === "Completed")
        yield* t.expectExpiry(keys.idempotency(scope, key), 86_400_000, kept)
      })
    )
  }
)
