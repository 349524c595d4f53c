import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Random } from "effect"
import { TestClock } from "effect/testing"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { defaultStepPolicy, StepPolicy } from "../../src/runtime/StepPolicy.ts"
import { runStep } from "../../src/runtime/StepRunner.ts"
import { DownstreamFailure, ResourceNotFound } from "../../src/services/DownstreamErrors.ts"
import { flaky, inRequest, maxRandom, read, status, write, zeroRandom } from "./fakes.ts"

const noWait = Effect.provideService(Random.Random, zeroRandom)

describe("runStep retries", () => {
  it.effect("a read that keeps failing with a 5xx is tried 3 times (2 retries), then fails naming the service", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(Number.POSITIVE_INFINITY, status("inventory", 500))
      const { error, context } = yield* inRequest(
        Effect.gen(function* () {
          const error = yield* Effect.flip(runStep(read("inventory.check"), fake.call))
          return { error, context: yield* RequestContext }
        })
      )
      assert.strictEqual(yield* fake.calls, 3)
      assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_ERROR", service: "inventory" })
      assert.deepInclude<unknown>(context.trace[0], { step: "inventory.check", attempts: 3, outcome: "failed" })
    }).pipe(noWait)
  )

  it.effect("a read that recovers on its last retry succeeds", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(2, status("product", 503))
      assert.strictEqual(yield* inRequest(runStep(read("product.search"), fake.call)), "ok")
      assert.strictEqual(yield* fake.calls, 3)
    }).pipe(noWait)
  )

  it.effect("each retry waits within its full-jitter window: at most base, then at most 2 × base", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(2, status("product", 500))
      const step = yield* Effect.forkChild(inRequest(runStep(read("product.search"), fake.call)))
      yield* fake.started
      assert.strictEqual(yield* fake.calls, 1)
      // With every draw at its largest, the retries land exactly on the bounds of their windows.
      yield* TestClock.adjust(defaultStepPolicy.retryBaseMs - 1)
      assert.strictEqual(yield* fake.calls, 1)
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* fake.calls, 2)
      yield* TestClock.adjust(2 * defaultStepPolicy.retryBaseMs - 1)
      assert.strictEqual(yield* fake.calls, 2)
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* Fiber.join(step), "ok")
      assert.strictEqual(yield* fake.calls, 3)
    }).pipe(Effect.provideService(Random.Random, maxRandom))
  )

  it.effect("no retry waits longer than the cap", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(3, status("product", 500))
      const step = yield* Effect.forkChild(inRequest(runStep(read("product.search"), fake.call)))
      yield* fake.started
      // Windows 100, 150 (capped from 200), 150 (capped from 400).
      yield* TestClock.adjust(100)
      assert.strictEqual(yield* fake.calls, 2)
      yield* TestClock.adjust(149)
      assert.strictEqual(yield* fake.calls, 2)
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* fake.calls, 3)
      yield* TestClock.adjust(150)
      assert.strictEqual(yield* Fiber.join(step), "ok")
    }).pipe(
      Effect.provideService(StepPolicy, { ...defaultStepPolicy, retries: 3, retryBaseMs: 100, retryCapMs: 150 }),
      Effect.provideService(Random.Random, maxRandom)
    )
  )

  it.effect("a read that never answers is retried too, then answers DOWNSTREAM_TIMEOUT", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(0, status("inventory", 500))
      const never = Effect.andThen(fake.call, Effect.never)
      const step = yield* Effect.forkChild(inRequest(Effect.flip(runStep(read("inventory.check"), never))))
      yield* TestClock.adjust(3 * defaultStepPolicy.readTimeoutMs)
      assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DOWNSTREAM_TIMEOUT", service: "inventory" })
      assert.strictEqual(yield* fake.calls, 3)
    }).pipe(noWait)
  )

  it.effect("a write is never retried unless it is idempotent", () =>
    Effect.gen(function* () {
      const plain = yield* flaky(1, status("payment", 500))
      const error = yield* Effect.flip(inRequest(runStep(write("payment.charge"), plain.call)))
      assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_ERROR", service: "payment" })
      assert.strictEqual(yield* plain.calls, 1)

      const keyed = yield* flaky(1, status("payment", 500))
      assert.strictEqual(yield* inRequest(runStep(write("payment.charge", true), keyed.call)), "ok")
      assert.strictEqual(yield* keyed.calls, 2)
    }).pipe(noWait)
  )

  it.effect("never on a 4xx, a declared refusal or a body that breaks the contract", () =>
    Effect.gen(function* () {
      const badRequest = yield* flaky(1, status("cart", 400))
      assert.deepInclude<unknown>(yield* Effect.flip(inRequest(runStep(read("cart.find"), badRequest.call))), {
        _tag: "DOWNSTREAM_ERROR",
        service: "cart"
      })
      assert.strictEqual(yield* badRequest.calls, 1)

      const refusal = new ResourceNotFound({ message: "no such cart" })
      const missing = yield* flaky(1, refusal)
      assert.strictEqual(yield* Effect.flip(inRequest(runStep(read("cart.find"), missing.call))), refusal)
      assert.strictEqual(yield* missing.calls, 1)

      const garbled = yield* flaky(
        1,
        new DownstreamFailure({ service: "cart", endpoint: "cart.find", reason: "Decode", message: "bad body" })
      )
      yield* Effect.flip(inRequest(runStep(read("cart.find"), garbled.call)))
      assert.strictEqual(yield* garbled.calls, 1)
    }).pipe(noWait)
  )

  it.effect("the retry count comes from the policy", () =>
    Effect.gen(function* () {
      const fake = yield* flaky(Number.POSITIVE_INFINITY, status("product", 500))
      yield* Effect.flip(inRequest(runStep(read("product.search"), fake.call)))
      assert.strictEqual(yield* fake.calls, 1)
    }).pipe(Effect.provideService(StepPolicy, { ...defaultStepPolicy, retries: 0 }), noWait)
  )
})
