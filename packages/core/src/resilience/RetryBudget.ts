import { Context, Layer } from "effect"

export interface RetryBudgetOptions {
  /** Retries allowed as a share of the service's calls in the window, in percent. */
  readonly percent: number
  /** Retries allowed in any window however few the calls, so a quiet service still gets its retries. */
  readonly minRetries: number
  /** The sliding window, in milliseconds; counted in ten buckets. */
  readonly windowMs: number
}

export const defaultRetryBudget: RetryBudgetOptions = { percent: 20, minRetries: 10, windowMs: 10_000 }

export interface RetryBudgetShape {
  /** A call's first attempt: the retries of a service are a share of these. */
  readonly recordCall: (service: string, now: number) => void
  /** Whether one more retry of a call to `service` fits its budget now; taken from the budget when it does. */
  readonly tryRetry: (service: string, now: number) => boolean
}

/** No budget: every retry the policy allows is made. */
export const unlimitedRetries: RetryBudgetShape = { recordCall: () => {}, tryRetry: () => true }

/**
 * Retries per downstream service, kept to a share of its calls over a sliding window (DESIGN §3,
 * Overload): when a service or we are slow, retries stop adding load at about `percent` more
 * instead of multiplying it by the retry count. Unprovided, retries are unlimited, like the
 * breakers: budget state outlives a request, so a process-wide default would carry one test's
 * calls into the next. The server provides it with `ResilienceLive`.
 */
export const RetryBudget = Context.Reference<RetryBudgetShape>("orchestra/RetryBudget", { defaultValue: () => unlimitedRetries })

const BUCKETS = 10

/** One service's calls and retries per bucket of the window; the bucket of `now` is `floor(now / bucketMs) % BUCKETS`. */
interface Window {
  readonly calls: Array<number>
  readonly retries: Array<number>
  /** The bucket number (`floor(now / bucketMs)`) last written to. */
  current: number
}

/** The budget in plain counters: the step runner asks it synchronously from inside its retry loop. */
export const makeRetryBudget = (options: RetryBudgetOptions): RetryBudgetShape => {
  const bucketMs = Math.max(1, Math.ceil(options.windowMs / BUCKETS))
  const windows = new Map<string, Window>()

  // Moves the window to `now`, emptying the buckets that slid out of it.
  const windowAt = (service: string, now: number): { readonly window: Window; readonly slot: number } => {
    const bucket = Math.floor(now / bucketMs)
    let window = windows.get(service)
    if (window === undefined) {
      window = { calls: new Array(BUCKETS).fill(0), retries: new Array(BUCKETS).fill(0), current: bucket }
      windows.set(service, window)
    }
    for (let passed = window.current + 1; passed <= Math.min(bucket, window.current + BUCKETS); passed++) {
      window.calls[passed % BUCKETS] = 0
      window.retries[passed % BUCKETS] = 0
    }
    if (bucket > window.current) window.current = bucket
    return { window, slot: window.current % BUCKETS }
  }

  const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)

  return {
    recordCall: (service, now) => {
      const { window, slot } = windowAt(service, now)
      window.calls[slot]! += 1
    },
    tryRetry: (service, now) => {
      const { window, slot } = windowAt(service, now)
      const allowed = Math.max(options.minRetries, Math.floor((sum(window.calls) * options.percent) / 100))
      if (sum(window.retries) >= allowed) return false
      window.retries[slot]! += 1
      return true
    }
  }
}

export const retryBudgetLayer = (options: RetryBudgetOptions) => Layer.sync(RetryBudget, () => makeRetryBudget(options))
