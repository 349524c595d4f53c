import { assert, describe, it } from "@effect/vitest"
import { Effect, Random, Schema } from "effect"
import { TestClock } from "effect/testing"
import { makeRetryBudget, RetryBudget } from "../../src/resilience/RetryBudget.ts"
import { runStep } from "../../src/runtime/StepRunner.ts"
import { flaky, inRequest, read, status, zeroRandom } from "./fakes.ts"

describe("RetryBudget", () => {
  it.effect.prop(
    "within one window, the retries granted never pass max(minRetries, percent × calls)",
    [Schema.Array(Schema.Literals(["call", "retry"])), Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))],
    ([events, percent]) =>
      Effect.sync(() => {
        const budget = makeRetryBudget({ percent, minRetries: 3, windowMs: 10_000 })
        let calls = 0
        let granted = 0
        for (const event of events) {
          if (event === "call") {
            budget.recordCall("svc", 5_000)
            calls++
          } else if (budget.tryRetry("svc", 5_000)) {
            granted++
            assert.isAtMost(granted, Math.max(3, Math.floor((calls * percent) / 100)))
          } else {
            // A refusal only when the budget is really spent.
            assert.strictEqual(granted, Math.max(3, Math.floor((calls * percent) / 100)))
          }
        }
      })
  )

  it.effect("the window slides: calls and retries older than it no longer count", () =>
    Effect.sync(() => {
      const budget = makeRetryBudget({ percent: 20, minRetries: 0, windowMs: 10_000 })
      for (let i = 0; i < 10; i++) budget.recordCall("svc", 0)
      assert.isTrue(budget.tryRetry("svc", 0))
      assert.isTrue(budget.tryRetry("svc", 500))
      assert.isFalse(budget.tryRetry("svc", 9_999))
      // The first second's bucket slides out at 10 s, its calls and retries with it.
      assert.isFalse(budget.tryRetry("svc", 10_000))
      for (let i = 0; i < 5; i++) budget.recordCall("svc", 10_000)
      assert.isTrue(budget.tryRetry("svc", 10_500))
      assert.isFalse(budget.tryRetry("svc", 10_600))
      // Services are budgeted apart.
      assert.isFalse(budget.tryRetry("other", 10_500))
    })
  )
})

describe("runStep under a retry budget", () => {
  it.effect("retries stop once they reach 20 % of the service's calls, and resume as the window slides", () =>
    Effect.gen(function* () {
      const budget = makeRetryBudget({ percent: 20, minRetries: 0, windowMs: 10_000 })
      const step = <A, E>(call: Effect.Effect<A, E>) =>
        inRequest(runStep(read("inventory.check"), call)).pipe(Effect.provideService(RetryBudget, budget))
      const healthy = yield* flaky(0, status("inventory", 503))
      for (let i = 0; i < 9; i++) yield* step(healthy.call)

      // 10 calls: 2 retries in the budget, so this one gets its policy's 2 retries.
      const first = yield* flaky(Number.POSITIVE_INFINITY, status("inventory", 503))
      yield* Effect.flip(step(first.call))
      assert.strictEqual(yield* first.calls, 3)
      // 11 calls, 2 retries spent: no retry.
      const second = yield* flaky(Number.POSITIVE_INFINITY, status("inventory", 503))
      yield* Effect.flip(step(second.call))
      assert.strictEqual(yield* second.calls, 1)

      yield* TestClock.adjust(10_000)
      for (let i = 0; i < 4; i++) yield* step(healthy.call)
      const third = yield* flaky(1, status("inventory", 503))
      assert.strictEqual(yield* step(third.call), "ok")
      assert.strictEqual(yield* third.calls, 2)
    }).pipe(Effect.provideService(Random.Random, zeroRandom))
  )

  it.effect("a call that fails past its policy's retries takes nothing more from the budget", () =>
    Effect.gen(function* () {
      const budget = makeRetryBudget({ percent: 0, minRetries: 2, windowMs: 10_000 })
      const failing = yield* flaky(Number.POSITIVE_INFINITY, status("cart", 500))
      yield* Effect.flip(inRequest(runStep(read("cart.get"), failing.call)).pipe(Effect.provideService(RetryBudget, budget)))
      assert.strictEqual(yield* failing.calls, 3)
      assert.isFalse(budget.tryRetry("cart", 0))
    }).pipe(Effect.provideService(Random.Random, zeroRandom))
  )
})
