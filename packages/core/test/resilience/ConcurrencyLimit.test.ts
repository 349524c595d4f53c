import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit } from "effect"
import { adaptiveLimit, limitSetting } from "../../src/resilience/ConcurrencyLimit.ts"

describe("a limit's setting", () => {
  const read = (env: Record<string, string>) =>
    Effect.exit(Effect.provide(limitSetting("LIMIT"), ConfigProvider.layer(ConfigProvider.fromUnknown(env))))
  it.effect("auto unless set; a number; off, or 0; anything else stops start-up", () =>
    Effect.gen(function* () {
      expect(yield* read({})).toStrictEqual(Exit.succeed("auto"))
      expect(yield* read({ LIMIT: "12" })).toStrictEqual(Exit.succeed(12))
      expect(yield* read({ LIMIT: "off" })).toStrictEqual(Exit.succeed("off"))
      expect(yield* read({ LIMIT: "0" })).toStrictEqual(Exit.succeed("off"))
      expect(Exit.isFailure(yield* read({ LIMIT: "-1" }))).toBe(true)
      expect(Exit.isFailure(yield* read({ LIMIT: "many" }))).toBe(true)
    })
  )
})

describe("adaptive limit", () => {
  const options = { initial: 20, min: 4, max: 100, windowMs: 100, windowSamples: 10, noLoadMemoryMs: 30_000 }
  /** One window's worth of samples at `rttMs` each, with `inFlight` requests running, ending at `end`. */
  const window = (limit: ReturnType<typeof adaptiveLimit>, end: number, rttMs: number, inFlight: number) => {
    for (let i = 0; i < 10; i++) limit.sample(end - 100 + (i * 100) / 9, rttMs, inFlight)
  }

  it("grows while the latency stays at the idle latency and the limit is reached", () => {
    const limit = adaptiveLimit(options)
    for (let w = 1; w <= 20; w++) window(limit, w * 200, 10, limit.current())
    expect(limit.current()).toBeGreaterThan(30)
  })

  it("does not grow while it is not reached: an idle server learns nothing about its capacity", () => {
    const limit = adaptiveLimit(options)
    for (let w = 1; w <= 20; w++) window(limit, w * 200, 10, 2)
    expect(limit.current()).toBe(20)
  })

  it("shrinks when requests take much longer than idle ones (they queue for the CPU), until ~3-6 of them queue", () => {
    const limit = adaptiveLimit(options)
    window(limit, 200, 10, 20)
    const before = limit.current()
    for (let w = 2; w <= 60; w++) window(limit, w * 200, 40, limit.current())
    // At 4× the idle latency, three quarters of those in flight are queueing: 4-8 in flight keeps that at 3-6.
    expect(limit.current()).toBeLessThan(before)
    expect(limit.current()).toBeGreaterThanOrEqual(options.min)
    expect(limit.current()).toBeLessThanOrEqual(8)
  })
})
