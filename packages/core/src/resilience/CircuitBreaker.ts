import { Data, Duration, Effect, type Exit, Ref, type Scope } from "effect"
import { CircuitBreaker as Circuit } from "effect/persistence"
import type { Verdict } from "./transient.ts"

export type BreakerState = "closed" | "open" | "half-open"

/** One service's breaker as metrics report it. */
export interface BreakerStatus {
  readonly service: string
  readonly state: BreakerState
  readonly consecutiveFailures: number
}

/** The breaker refused the call without making it. */
export class CircuitRejected extends Data.TaggedError("CircuitRejected")<{
  readonly service: string
  readonly state: "open" | "half-open"
}> {
  override get message() {
    return this.state === "open" ? "circuit open" : "circuit half-open, its trial call is still running"
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit. */
  readonly failures: number
  /** How long an open circuit refuses calls before it admits one trial call. */
  readonly cooldownMs: number
  /** Which outcomes count for or against the service. */
  readonly verdict: (exit: Exit.Exit<unknown, unknown>) => Verdict
}

/** One circuit per service, each created on its first call. */
export interface CircuitBreaker {
  readonly run: <A, E, R>(service: string, call: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitRejected, R>
  /** Every service called so far. */
  readonly states: Effect.Effect<ReadonlyArray<BreakerStatus>>
}

const outcomes: Record<Verdict, Circuit.Outcome> = {
  success: Circuit.success,
  failure: Circuit.failure(),
  ignored: Circuit.ignored
}

const toBreakerState = (state: Circuit.State): BreakerState => {
  if (state._tag === "Closed") return "closed"
  if (state._tag === "HalfOpen") return "half-open"
  // The store moves an open circuit on only when the next call arrives; once the cool-down is
  // over, that call will be admitted as the trial, which is what half-open means to an operator.
  return Duration.toMillis(state.retryAfter) > 0 ? "open" : "half-open"
}

/**
 * Effect's keyed circuit breaker (`effect/persistence`), one circuit per service: closed → open
 * after `failures` consecutive failures → half-open after `cooldownMs`, when exactly one trial
 * call goes through while the others are refused → closed if it succeeds, open for a fresh
 * cool-down if it fails. State lives in this process. Effect's breaker does not expose the
 * failure streak, so it is counted here, from the same verdicts, for metrics.
 */
export const makeCircuitBreaker = (options: CircuitBreakerOptions): Effect.Effect<CircuitBreaker, never, Scope.Scope> =>
  Effect.gen(function* () {
    const circuits = yield* Effect.provide(
      Circuit.make({ tripPolicy: Circuit.consecutive(options.failures), openDuration: Duration.millis(options.cooldownMs) }),
      Circuit.layerStoreMemory()
    )
    const streaks = yield* Ref.make<ReadonlyMap<string, number>>(new Map())

    const count = (service: string, verdict: Verdict) =>
      Ref.update(streaks, (known) =>
        verdict === "ignored" ? known : new Map(known).set(service, verdict === "failure" ? (known.get(service) ?? 0) + 1 : 0)
      )

    const rejected = (service: string, error: Circuit.CircuitBreakerError) =>
      error.reason._tag === "CircuitBreakerStoreError"
        ? // The in-process store cannot fail; if it ever did, that is a bug, not a refusal.
          Effect.die(error)
        : Effect.fail(new CircuitRejected({ service, state: error.reason._tag === "CircuitOpen" ? "open" : "half-open" }))

    const run: CircuitBreaker["run"] = (service, call) =>
      Ref.update(streaks, (known) => (known.has(service) ? known : new Map(known).set(service, 0))).pipe(
        Effect.andThen(
          circuits.execute(call, {
            key: service,
            classify: (exit) => {
              const verdict = options.verdict(exit)
              return Effect.as(count(service, verdict), outcomes[verdict])
            }
          })
        ),
        Effect.catchIf(
          (error): error is Circuit.CircuitBreakerError => error instanceof Circuit.CircuitBreakerError,
          (error) => rejected(service, error)
        )
      )

    const states = Effect.flatMap(Ref.get(streaks), (known) =>
      Effect.forEach(known, ([service, consecutiveFailures]) =>
        circuits.state(service).pipe(
          Effect.map((state): BreakerStatus => ({ service, state: toBreakerState(state), consecutiveFailures })),
          Effect.orDie
        )
      )
    )

    return { run, states }
  })
