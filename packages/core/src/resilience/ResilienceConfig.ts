import { Config, Effect, Layer, Schema } from "effect"
import { defaultStepPolicy, StepPolicy } from "../runtime/StepPolicy.ts"
import { defaultResilienceOptions, resilienceLayer } from "./Resilience.ts"
import { defaultRetryBudget, retryBudgetLayer } from "./RetryBudget.ts"

const setting = (name: string, fallback: number, minimum: number) =>
  Config.schema(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(minimum))), name).pipe(Config.withDefault(fallback))

/** DESIGN §7 from the environment; each setting falls back to its default, and a bad value stops start-up. */
export const ResilienceConfig = Config.all({
  policy: Config.all({
    requestDeadlineMs: setting("ORCHESTRA_REQUEST_DEADLINE_MS", defaultStepPolicy.requestDeadlineMs, 1),
    readTimeoutMs: setting("ORCHESTRA_READ_TIMEOUT_MS", defaultStepPolicy.readTimeoutMs, 1),
    writeTimeoutMs: setting("ORCHESTRA_WRITE_TIMEOUT_MS", defaultStepPolicy.writeTimeoutMs, 1),
    retries: setting("ORCHESTRA_RETRIES", defaultStepPolicy.retries, 0),
    retryBaseMs: setting("ORCHESTRA_RETRY_BASE_MS", defaultStepPolicy.retryBaseMs, 0),
    retryCapMs: setting("ORCHESTRA_RETRY_CAP_MS", defaultStepPolicy.retryCapMs, 0)
  }),
  guards: Config.all({
    breakerFailures: setting("ORCHESTRA_BREAKER_FAILURES", defaultResilienceOptions.breakerFailures, 1),
    breakerCooldownMs: setting("ORCHESTRA_BREAKER_COOLDOWN_MS", defaultResilienceOptions.breakerCooldownMs, 0),
    bulkheadLimit: setting("ORCHESTRA_BULKHEAD_LIMIT", defaultResilienceOptions.bulkheadLimit, 1),
    bulkheadQueue: setting("ORCHESTRA_BULKHEAD_QUEUE", defaultResilienceOptions.bulkheadQueue, 0)
  }),
  retryBudget: Config.all({
    percent: setting("ORCHESTRA_RETRY_BUDGET_PERCENT", defaultRetryBudget.percent, 0),
    minRetries: setting("ORCHESTRA_RETRY_BUDGET_MIN", defaultRetryBudget.minRetries, 0),
    windowMs: setting("ORCHESTRA_RETRY_BUDGET_WINDOW_MS", defaultRetryBudget.windowMs, 10)
  })
})

/** Provides `StepPolicy`, `Resilience` and `RetryBudget` from the environment: provide it once, at the server's edge. */
export const ResilienceLive = Layer.unwrap(
  Effect.map(ResilienceConfig, ({ policy, guards, retryBudget }) =>
    Layer.mergeAll(Layer.succeed(StepPolicy, policy), resilienceLayer(guards), retryBudgetLayer(retryBudget))
  )
)
