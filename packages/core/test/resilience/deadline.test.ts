import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Random } from "effect"
import { TestClock } from "effect/testing"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { defaultStepPolicy } from "../../src/runtime/StepPolicy.ts"
import { CurrentDeadline, runStep } from "../../src/runtime/StepRunner.ts"
import { flaky, gated, maxRandom, read, status, withContext, write } from "./fakes.ts"

const { readTimeoutMs, writeTimeoutMs } = defaultStepPolicy

describe("runStep deadlines", () => {
  it.effect("a call gets its whole budget when the request's deadline is further away: DOWNSTREAM_TIMEOUT", () =>
    Effect.gen(function* () {
      const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 5_000 })
      const never = yield* gated("never")
      const step = yield* Effect.forkChild(withContext(context, Effect.flip(runStep(write("order.create"), never.call))))
      yield* TestClock.adjust(writeTimeoutMs - 1)
      assert.isUndefined(step.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DOWNSTREAM_TIMEOUT", service: "order" })
    })
  )

  it.effect("a call gets only the time left when the deadline is nearer: DEADLINE_EXCEEDED", () =>
    Effect.gen(function* () {
      const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 5_000 })
      yield* TestClock.adjust(4_500)
      const never = yield* gated("never")
      const step = yield* Effect.forkChild(withContext(context, Effect.flip(runStep(write("order.create"), never.call))))
      yield* TestClock.adjust(499)
      assert.isUndefined(step.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DEADLINE_EXCEEDED", service: "order" })
    })
  )

  it.effect("the call sees when its caller stops waiting as CurrentDeadline: min(start + budget, the deadline)", () =>
    Effect.gen(function* () {
      const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 5_000 })
      const early = yield* gated("ok", CurrentDeadline)
      const first = yield* Effect.forkChild(withContext(context, runStep(read("product.search"), early.call)))
      yield* early.started
      yield* early.release
      yield* Fiber.join(first)
      assert.deepStrictEqual(yield* early.seen, [readTimeoutMs])

      yield* TestClock.adjust(4_600)
      const late = yield* gated("ok", CurrentDeadline)
      const second = yield* Effect.forkChild(withContext(context, runStep(read("product.search"), late.call)))
      yield* late.started
      yield* late.release
      yield* Fiber.join(second)
      assert.deepStrictEqual(yield* late.seen, [context.deadlineAt])
      assert.isUndefined(yield* CurrentDeadline)
    })
  )

  it.effect("nothing starts after the deadline", () =>
    Effect.gen(function* () {
      const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 100 })
      yield* TestClock.adjust(100)
      const fake = yield* flaky(0, status("cart", 500))
      const error = yield* Effect.flip(withContext(context, runStep(read("cart.find"), fake.call)))
      assert.deepInclude<unknown>(error, { _tag: "DEADLINE_EXCEEDED", service: "cart" })
      assert.strictEqual(yield* fake.calls, 0)
      assert.deepInclude<unknown>(context.trace[0], { step: "cart.find", outcome: "failed" })
    })
  )

  it.effect("a retry whose wait ends past the deadline is not made", () =>
    Effect.gen(function* () {
      // Attempt 1 at 0 ms, the retry at 25 ms, the next one due at 75 ms: after the 60 ms deadline.
      const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 60 })
      const fake = yield* flaky(Number.POSITIVE_INFINITY, status("cart", 500))
      const step = yield* Effect.forkChild(withContext(context, Effect.flip(runStep(read("cart.find"), fake.call))))
      yield* TestClock.adjust(75)
      assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DEADLINE_EXCEEDED", service: "cart" })
      assert.strictEqual(yield* fake.calls, 2)
    }).pipe(Effect.provideService(Random.Random, maxRandom))
  )
})
