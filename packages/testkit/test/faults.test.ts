import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Result } from "effect"
import { TestClock } from "effect/testing"
import { applyFaults } from "../src/faults/applyFaults.ts"
import { Fault, parseFaultSpec } from "../src/faults/Fault.ts"
import { FaultInjector } from "../src/faults/FaultInjector.ts"

describe("parseFaultSpec", () => {
  it("reads steps, services and rates as the trace names them", () => {
    const parsed = parseFaultSpec(
      "marketing.promotionsApplicable=error:503, inventory.checkAvailability=latency:300ms,cart.*=timeout@0.25,*=latency:2s,cart.applyBatch=lost-reply"
    )
    assert.deepStrictEqual(Result.getOrThrow(parsed), [
      { target: "marketing.promotionsApplicable", fault: Fault.Error({ status: 503 }), rate: 1 },
      { target: "inventory.checkAvailability", fault: Fault.Latency({ millis: 300 }), rate: 1 },
      { target: "cart.*", fault: Fault.Timeout(), rate: 0.25 },
      { target: "*", fault: Fault.Latency({ millis: 2000 }), rate: 1 },
      { target: "cart.applyBatch", fault: Fault.LostReply(), rate: 1 }
    ])
  })

  it("names the bad part and the expected form", () => {
    for (const bad of ["inventory=boom", "a.b=error:5033", "a.b=latency:fast", "a.b=timeout@2"]) {
      const parsed = parseFaultSpec(bad)
      assert.isTrue(Result.isFailure(parsed), bad)
      if (Result.isFailure(parsed)) assert.include(parsed.failure, bad.split(",")[0]!)
    }
  })
})

describe("FaultInjector", () => {
  const decideMany = (seed: number) =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const decisions: Array<number> = []
      for (let i = 0; i < 200; i++) decisions.push((yield* injector.decide("inventory", "reserve")).length)
      return { decisions, injected: injector.injected() }
    }).pipe(
      Effect.provide(
        FaultInjector.make({ seed, rules: [{ target: "inventory.*", fault: Fault.Error({ status: 503 }), rate: 0.2 }] })
      )
    )

  it.effect("is deterministic for a seed and honours the rate", () =>
    Effect.gen(function* () {
      const first = yield* decideMany(7)
      const second = yield* decideMany(7)
      assert.deepStrictEqual(first.decisions, second.decisions)
      // 200 draws at 20 %: far outside [15, 70] would mean the rate is ignored.
      assert.isAbove(first.injected, 15)
      assert.isBelow(first.injected, 70)
      const other = yield* decideMany(8)
      assert.notDeepEqual(first.decisions, other.decisions)
    })
  )

  it.effect("matches only its targets", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "cart.compute", fault: Fault.Timeout(), rate: 1 }])
      assert.strictEqual((yield* injector.decide("cart", "compute")).length, 1)
      assert.strictEqual((yield* injector.decide("cart", "findOrCreate")).length, 0)
      assert.strictEqual((yield* injector.decide("inventory", "compute")).length, 0)
      yield* injector.clear
      assert.strictEqual((yield* injector.decide("cart", "compute")).length, 0)
    }).pipe(Effect.provide(FaultInjector.layer))
  )
})

describe("applyFaults", () => {
  const call = Effect.succeed("answer")
  const onError = (status: number) => Effect.fail(`status ${status}`)

  it.effect("delays by the summed latency, then answers", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        applyFaults([Fault.Latency({ millis: 200 }), Fault.Latency({ millis: 100 })], call, onError)
      )
      yield* TestClock.adjust(299)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* Fiber.join(fiber), "answer")
    })
  )

  it.effect("replaces the call with the injected status", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(applyFaults([Fault.Error({ status: 503 })], call, onError))
      assert.deepStrictEqual(exit, Exit.fail("status 503"))
    })
  )

  it.effect("a timeout never answers, and the call never happens", () =>
    Effect.gen(function* () {
      let acted = 0
      const fiber = yield* Effect.forkChild(applyFaults([Fault.Timeout()], Effect.sync(() => ++acted), onError))
      yield* TestClock.adjust("1 hour")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual(acted, 0)
      yield* Fiber.interrupt(fiber)
    })
  )

  it.effect("a lost reply: the call happens, its answer never comes", () =>
    Effect.gen(function* () {
      let acted = 0
      const fiber = yield* Effect.forkChild(applyFaults([Fault.LostReply()], Effect.sync(() => ++acted), onError))
      yield* TestClock.adjust("1 hour")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual(acted, 1)
      yield* Fiber.interrupt(fiber)
    })
  )
})
