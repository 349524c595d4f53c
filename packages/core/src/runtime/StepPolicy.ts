import { Context } from "effect"

/** DESIGN §7 defaults; the server overrides them from the environment (`ResilienceLive`). */
export interface StepPolicyShape {
  /** How long a request may take; the step runner starts no call after it. */
  readonly requestDeadlineMs: number
  readonly readTimeoutMs: number
  readonly writeTimeoutMs: number
  /** Extra attempts after the first, for reads and for writes that carry an idempotency key. */
  readonly retries: number
  /** The first retry waits up to this long; each later one up to twice the one before. */
  readonly retryBaseMs: number
  /** No retry waits longer than this, however many came before it. */
  readonly retryCapMs: number
}

export const defaultStepPolicy: StepPolicyShape = {
  requestDeadlineMs: 5_000,
  readTimeoutMs: 1_000,
  writeTimeoutMs: 2_000,
  retries: 2,
  retryBaseMs: 25,
  retryCapMs: 1_000
}

export const StepPolicy = Context.Reference<StepPolicyShape>("orchestra/StepPolicy", {
  defaultValue: () => defaultStepPolicy
})
