import { assert, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import {
  type CheckoutAdmissionShape,
  checkoutAdmissionFor,
  durableCheckoutLimit,
  memoryCheckoutLimit,
  makeCheckoutAdmission,
  STARTING_CEILING_MS,
  type StartingSlot,
  startAdmitted
} from "../../src/checkout/CheckoutAdmission.ts"
import { type ConcurrencyLimit, fixedLimit } from "../../src/resilience/ConcurrencyLimit.ts"

const startingOf = (admission: CheckoutAdmissionShape) => admission.stats()!.starting

/** A fixed limit that remembers its samples. */
const recordingLimit = (n: number) => {
  const samples: Array<{ readonly rttMs: number; readonly inFlight: number }> = []
  const limit: ConcurrencyLimit = { current: () => n, sample: (_now, rttMs, inFlight) => samples.push({ rttMs, inFlight }) }
  return { limit, samples }
}

class Boom extends Schema.TaggedError<Boom>()("Boom", {}) {}

describe("checkout admission: the counting", () => {
  it("admits up to the limit and refuses beyond, counting refusals; a slot given back admits the next", () => {
    const admission = makeCheckoutAdmission(fixedLimit(2))
    const a = admission.enter(0)!
    const b = admission.enter(0)!
    expect(admission.enter(0)).toBeUndefined()
    expect(admission.stats()).toEqual({ limit: 2, starting: 2, refused: 1 })
    a.answered(10)
    expect(admission.enter(10)).toBeDefined()
    b.cancel()
    expect(admission.stats()).toEqual({ limit: 2, starting: 1, refused: 1 })
  })

  it("samples the limit with the time from start to first answer, and only for an answer", () => {
    const { limit, samples } = recordingLimit(4)
    const admission = makeCheckoutAdmission(limit)
    const a = admission.enter(100)!
    const b = admission.enter(120)!
    a.answered(400)
    b.cancel()
    expect(samples).toEqual([{ rttMs: 300, inFlight: 1 }])
  })

  it("off: everything starts, nothing is counted", () => {
    const admission = makeCheckoutAdmission(undefined)
    for (let i = 0; i < 1_000; i++) expect(admission.enter(0)).toBeDefined()
    expect(admission.stats()).toBeUndefined()
  })

  it.effect.prop(
    "whatever order slots end in, and however often, each gives its place back exactly once",
    [Schema.Array(Schema.Struct({ enter: Schema.Boolean, pick: Schema.Int, answer: Schema.Boolean }))],
    ([steps]) =>
      Effect.sync(() => {
        const limit = 3
        const admission = makeCheckoutAdmission(fixedLimit(limit))
        const slots: Array<{ readonly slot: StartingSlot; released: boolean }> = []
        let refused = 0
        for (const step of steps) {
          if (step.enter) {
            const slot = admission.enter(0)
            if (slot === undefined) refused++
            else slots.push({ slot, released: false })
          } else if (slots.length > 0) {
            // Ends any slot, possibly one already ended (a second release must change nothing).
            const held = slots[Math.abs(step.pick) % slots.length]!
            if (step.answer) held.slot.answered(1)
            else held.slot.cancel()
            held.released = true
          }
          const open = slots.filter((s) => !s.released).length
          assert.strictEqual(admission.stats()!.starting, open)
          assert.isAtMost(open, limit)
        }
        assert.strictEqual(admission.stats()!.refused, refused)
      })
  )
})

describe("checkout admission: startAdmitted", () => {
  const firstAnswerGate = Effect.gen(function* () {
    const answer = yield* Deferred.make<string, Boom>()
    return { answer, firstAnswer: (_until: number) => Deferred.await(answer) }
  })

  it.effect("at the limit: OVERLOADED, and the start is not run", () =>
    Effect.gen(function* () {
      const admission = makeCheckoutAdmission(fixedLimit(0))
      let ran = false
      const exit = yield* Effect.exit(startAdmitted(admission, Effect.sync(() => (ran = true)), () => true, () => Effect.succeed("x")))
      assert.isTrue(Exit.isFailure(exit))
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("OVERLOADED")
      assert.isFalse(ran)
      expect(admission.stats()!.refused).toBe(1)
    })
  )

  it.effect("a start that fails, or that started nothing (the key was taken), gives its slot back at once", () =>
    Effect.gen(function* () {
      const admission = makeCheckoutAdmission(fixedLimit(1))
      yield* Effect.exit(startAdmitted(admission, Effect.fail(new Boom()), () => true, () => Effect.succeed("x")))
      expect(startingOf(admission)).toBe(0)
      const existing = yield* startAdmitted(admission, Effect.succeed("Existing"), (v) => v === "Claimed", () => Effect.never)
      expect(existing.firstAnswer).toBeUndefined()
      expect(startingOf(admission)).toBe(0)
    })
  )

  it.effect("a start interrupted midway gives its slot back", () =>
    Effect.gen(function* () {
      const admission = makeCheckoutAdmission(fixedLimit(1))
      const reached = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(
        startAdmitted(admission, Effect.andThen(Deferred.succeed(reached, undefined), Effect.never), () => true, () => Effect.never)
      )
      yield* Deferred.await(reached)
      expect(startingOf(admission)).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect(startingOf(admission)).toBe(0)
    })
  )

  it.effect("a started checkout keeps its slot after its request is gone, until its first answer; then it is free before the answer is handed on", () =>
    Effect.gen(function* () {
      const { limit, samples } = recordingLimit(1)
      const admission = makeCheckoutAdmission(limit)
      const { answer, firstAnswer } = yield* firstAnswerGate
      const handedOn = yield* Deferred.make<Deferred.Deferred<string, Boom>>()
      const request = yield* Effect.forkChild(
        Effect.flatMap(startAdmitted(admission, Effect.succeed("Claimed"), () => true, firstAnswer), ({ firstAnswer }) =>
          Effect.andThen(Deferred.succeed(handedOn, firstAnswer!), Deferred.await(firstAnswer!))
        )
      )
      const firstOfRequest = yield* Deferred.await(handedOn)
      expect(startingOf(admission)).toBe(1)
      // The client disconnects: the checkout runs on, and stays counted.
      yield* Fiber.interrupt(request)
      expect(startingOf(admission)).toBe(1)
      expect(admission.enter(0)).toBeUndefined()
      yield* TestClock.adjust(250)
      yield* Deferred.succeed(answer, "answered")
      // Whoever waits for the first answer gets it only once the slot is free again.
      expect(yield* Deferred.await(firstOfRequest)).toBe("answered")
      expect(startingOf(admission)).toBe(0)
      expect(samples).toEqual([{ rttMs: 250, inFlight: 1 }])
      const { answer: second, firstAnswer: secondAnswer } = yield* firstAnswerGate
      const admitted = yield* startAdmitted(admission, Effect.succeed("Claimed"), () => true, secondAnswer)
      yield* Deferred.succeed(second, "done")
      expect(yield* Deferred.await(admitted.firstAnswer!)).toBe("done")
      expect(startingOf(admission)).toBe(0)
    })
  )

  it.effect("a first answer that fails (the registry did not answer) gives the slot back without a sample", () =>
    Effect.gen(function* () {
      const { limit, samples } = recordingLimit(1)
      const admission = makeCheckoutAdmission(limit)
      const { answer, firstAnswer } = yield* firstAnswerGate
      const admitted = yield* startAdmitted(admission, Effect.succeed("Claimed"), () => true, firstAnswer)
      yield* Deferred.fail(answer, new Boom())
      const exit = yield* Effect.exit(Deferred.await(admitted.firstAnswer!))
      assert.isTrue(Exit.isFailure(exit))
      expect(startingOf(admission)).toBe(0)
      expect(samples).toEqual([])
    })
  )

  it.effect("the first answer is waited for until the ceiling from the start", () =>
    Effect.gen(function* () {
      const admission = makeCheckoutAdmission(fixedLimit(1))
      const untils: Array<number> = []
      yield* TestClock.adjust(1_000)
      const admitted = yield* startAdmitted(admission, Effect.succeed("Claimed"), () => true, (until) =>
        Effect.sync(() => untils.push(until))
      )
      yield* Deferred.await(admitted.firstAnswer!)
      expect(untils).toEqual([1_000 + STARTING_CEILING_MS])
    })
  )

  it("adaptive: over the durable engine it starts where the admission gate does; over the in-memory one, at the top", () => {
    expect(checkoutAdmissionFor("auto", durableCheckoutLimit).stats()!.limit).toBe(20)
    expect(checkoutAdmissionFor("auto", memoryCheckoutLimit).stats()!.limit).toBe(256)
    expect(checkoutAdmissionFor(3, memoryCheckoutLimit).stats()!.limit).toBe(3)
    expect(checkoutAdmissionFor("off", durableCheckoutLimit).stats()).toBeUndefined()
  })
})
