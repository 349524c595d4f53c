import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Random } from "effect"
import { Resilience, unguarded } from "../../src/resilience/Resilience.ts"
import { ResilienceConfig, ResilienceLive } from "../../src/resilience/ResilienceConfig.ts"
import { RetryBudget } from "../../src/resilience/RetryBudget.ts"
import { defaultStepPolicy, StepPolicy } from "../../src/runtime/StepPolicy.ts"
import { runStep } from "../../src/runtime/StepRunner.ts"
import { flaky, inRequest, status, write, zeroRandom } from "./fakes.ts"

const readConfig = Effect.gen(function* () {
  return yield* ResilienceConfig
})

const fromEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

describe("ResilienceConfig", () => {
  it.effect("every setting has its DESIGN §7 default", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* readConfig, {
        policy: defaultStepPolicy,
        guards: { breakerFailures: 5, breakerCooldownMs: 10_000, bulkheadLimit: 256, bulkheadQueue: 512 },
        retryBudget: { percent: 20, minRetries: 10, windowMs: 10_000 }
      })
    }).pipe(Effect.provide(fromEnv({})))
  )

  it.effect("ResilienceLive provides the policy and the guards from the environment", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* StepPolicy, {
        requestDeadlineMs: 3_000,
        readTimeoutMs: 300,
        writeTimeoutMs: 600,
        retries: 1,
        retryBaseMs: 10,
        retryCapMs: 200
      })
      assert.notStrictEqual(yield* Resilience, unguarded)
      // ORCHESTRA_RETRY_BUDGET_PERCENT=0, _MIN=0: no retry is ever in the budget.
      assert.isFalse((yield* RetryBudget).tryRetry("payment", 0))
      // ORCHESTRA_BREAKER_FAILURES=2: the third call is refused without being made.
      const fake = yield* flaky(Number.POSITIVE_INFINITY, status("payment", 500))
      for (let i = 0; i < 3; i++) yield* Effect.flip(inRequest(runStep(write("payment.charge"), fake.call)))
      assert.strictEqual(yield* fake.calls, 2)
    }).pipe(
      Effect.provide(
        ResilienceLive.pipe(
          Layer.provide(
            fromEnv({
              ORCHESTRA_REQUEST_DEADLINE_MS: "3000",
              ORCHESTRA_READ_TIMEOUT_MS: "300",
              ORCHESTRA_WRITE_TIMEOUT_MS: "600",
              ORCHESTRA_RETRIES: "1",
              ORCHESTRA_RETRY_BASE_MS: "10",
              ORCHESTRA_RETRY_CAP_MS: "200",
              ORCHESTRA_BREAKER_FAILURES: "2",
              ORCHESTRA_BREAKER_COOLDOWN_MS: "1000",
              ORCHESTRA_BULKHEAD_LIMIT: "8",
              ORCHESTRA_BULKHEAD_QUEUE: "0",
              ORCHESTRA_RETRY_BUDGET_PERCENT: "0",
              ORCHESTRA_RETRY_BUDGET_MIN: "0"
            })
          )
        )
      ),
      Effect.provideService(Random.Random, zeroRandom)
    )
  )

  it.effect("a value that is not a whole number in range stops start-up", () =>
    Effect.gen(function* () {
      for (const env of [{ ORCHESTRA_RETRIES: "-1" }, { ORCHESTRA_BULKHEAD_LIMIT: "0" }, { ORCHESTRA_READ_TIMEOUT_MS: "fast" }]) {
        const error = yield* Effect.flip(Effect.provide(readConfig, fromEnv(env)))
        assert.include(error.message, Object.keys(env)[0] ?? "")
      }
    })
  )
})
