import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Random, Schedule, Schema } from "effect"
import { fullJitter } from "../../src/resilience/fullJitter.ts"
import { maxRandom, zeroRandom } from "./fakes.ts"

const policy = { baseMs: 25, capMs: 1_000 }
const windowOf = (retry: number) => Math.min(policy.capMs, policy.baseMs * 2 ** retry)

/** The first `count` delays the schedule draws, in milliseconds. */
const delays = (count: number) =>
  Effect.gen(function* () {
    const step = yield* Schedule.toStep(fullJitter(policy))
    const drawn: Array<number> = []
    for (let retry = 0; retry < count; retry++) {
      const [, delay] = yield* step(0, undefined)
      drawn.push(Duration.toMillis(delay))
    }
    return drawn
  })

describe("fullJitter", () => {
  it.effect.prop("every delay is a whole number of ms in [0, min(cap, base × 2^n)], whatever the seed", [Schema.Int], ([seed]) =>
    Effect.gen(function* () {
      const drawn = yield* delays(12)
      drawn.forEach((delay, retry) => {
        assert.isTrue(Number.isInteger(delay), `retry ${retry}: ${delay}`)
        assert.isAtLeast(delay, 0)
        assert.isAtMost(delay, windowOf(retry), `retry ${retry}`)
      })
    }).pipe(Random.withSeed(seed))
  )

  it.effect("the largest draw reaches each bound, doubling from the base until the cap", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* delays(8), [25, 50, 100, 200, 400, 800, 1_000, 1_000])
    }).pipe(Effect.provideService(Random.Random, maxRandom))
  )

  it.effect("the smallest draw is no wait at all", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* delays(4), [0, 0, 0, 0])
    }).pipe(Effect.provideService(Random.Random, zeroRandom))
  )

  it.effect("the draws spread over the whole window, not ±20 % around its top", () =>
    Effect.gen(function* () {
      const firsts: Array<number> = []
      for (let i = 0; i < 400; i++) {
        const [first] = yield* delays(1)
        firsts.push(first ?? -1)
      }
      const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length
      assert.isTrue(firsts.some((d) => d < 0.8 * policy.baseMs))
      assert.isTrue(firsts.some((d) => d === 0) && firsts.some((d) => d === policy.baseMs))
      assert.approximately(mean, policy.baseMs / 2, 2.5)
    }).pipe(Random.withSeed("spread"))
  )

  it.effect("the same seed draws the same delays", () =>
    Effect.gen(function* () {
      const a = yield* delays(6).pipe(Random.withSeed(7))
      const b = yield* delays(6).pipe(Random.withSeed(7))
      assert.deepStrictEqual(a, b)
    })
  )
})
