import { Context } from "effect"

/** DESIGN §7 defaults; the server overrides them from the environment. */
export interface StepPolicyShape {
  readonly readTimeoutMs: number
  readonly writeTimeoutMs: number
  /** Extra attempts after the first, for reads and for writes that carry an idempotency key. */
  readonly retries: number
  readonly retryBaseMs: number
}

export const defaultStepPolicy: StepPolicyShape = {
  readTimeoutMs: 1_000,
  writeTimeoutMs: 2_000,
  retries: 2,
  retryBaseMs: 25
}

export const StepPolicy = Context.Reference<StepPolicyShape>("orchestra/StepPolicy", {
  defaultValue: () => defaultStepPolicy
})
