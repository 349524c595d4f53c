import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { onVirtualClock } from "../../src/replay/VirtualClock.ts"

const timed = (ms: number) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    yield* Effect.sleep(ms)
    // An in-memory promise between sleeps, as a response body read is.
    yield* Effect.promise(() => new Response("{}").json())
    return [start, (yield* Clock.currentTimeMillis) - start]
  })

describe("virtual clock", () => {
  it.live("parallel sleeps overlap exactly and sequential ones add up, from the given start", () =>
    Effect.gen(function* () {
      const realStart = Date.now()
      const result = yield* onVirtualClock(
        Effect.gen(function* () {
          const first = yield* timed(30)
          const group = yield* Effect.all([timed(20), timed(50), timed(10.5)], { concurrency: "unbounded" })
          const last = yield* timed(5)
          return [first, ...group, last]
        }),
        1_000
      )
      assert.deepStrictEqual(result, [
        [1_000, 30],
        [1_030, 20],
        [1_030, 50],
        [1_030, 10.5],
        [1_080, 5]
      ])
      assert.isBelow(Date.now() - realStart, 1_000)
    })
  )

  it.live("a timeout costs no real time", () =>
    Effect.gen(function* () {
      const realStart = Date.now()
      const outcome = yield* onVirtualClock(
        Effect.gen(function* () {
          const timedOut = yield* Effect.timeoutOption(Effect.never, "30 seconds")
          return [timedOut._tag, yield* Clock.currentTimeMillis]
        }),
        0
      )
      assert.deepStrictEqual(outcome, ["None", 30_000])
      assert.isBelow(Date.now() - realStart, 1_000)
    })
  )
})
