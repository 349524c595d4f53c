import { Context, Effect, Layer } from "effect"
import { type Bulkhead, BulkheadFull, BulkheadWaitTimeout, makeBulkheadUnsafe } from "./Bulkhead.ts"
import { type BreakerStatus, CircuitRejected, makeCircuitBreaker } from "./CircuitBreaker.ts"
import { verdictOf } from "./transient.ts"

/** Why a guarded call was not made. */
export type Rejection = CircuitRejected | BulkheadFull | BulkheadWaitTimeout

export const isRejection = (error: unknown): error is Rejection =>
  error instanceof CircuitRejected || error instanceof BulkheadFull || error instanceof BulkheadWaitTimeout

export interface ResilienceShape {
  /**
   * One attempt at a call to `service`: it waits at most `maxWaitMs` for a slot in the service's
   * bulkhead, then asks the service's breaker, which refuses it while open and learns from its
   * outcome otherwise.
   */
  readonly guard: <A, E, R>(
    service: string,
    attempt: Effect.Effect<A, E, R>,
    options: { readonly maxWaitMs: number }
  ) => Effect.Effect<A, E | Rejection, R>
  /** The breaker of every service called so far, for metrics. */
  readonly states: () => Effect.Effect<ReadonlyArray<BreakerStatus>>
}

/** DESIGN §7 defaults. */
export interface ResilienceOptions {
  readonly breakerFailures: number
  readonly breakerCooldownMs: number
  readonly bulkheadLimit: number
  readonly bulkheadQueue: number
}

export const defaultResilienceOptions: ResilienceOptions = {
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
  bulkheadLimit: 256,
  bulkheadQueue: 512
}

/** Calls go straight through: no breaker, no bulkhead. */
export const unguarded: ResilienceShape = {
  guard: (_service, attempt) => attempt,
  states: () => Effect.succeed([])
}

/**
 * The breakers and bulkheads of the downstream services. Unprovided, calls are unguarded:
 * breaker state outlives a request, so a process-wide default would carry one test's failures
 * (and its virtual clock) into the next. The server provides `ResilienceLive`.
 */
export const Resilience = Context.Reference<ResilienceShape>("orchestra/Resilience", { defaultValue: () => unguarded })

/**
 * One breaker and one bulkhead per service, each created on the service's first call, all in
 * this process. Every downstream attempt goes through `guard`, so a service's bulkhead is found
 * in a plain map, synchronously: no ref and no effect stand between the attempt and its slot.
 */
export const makeResilience = (options: ResilienceOptions): Effect.Effect<ResilienceShape> =>
  Effect.gen(function* () {
    const breaker = yield* makeCircuitBreaker({
      failures: options.breakerFailures,
      cooldownMs: options.breakerCooldownMs,
      verdict: verdictOf
    })
    const bulkheads = new Map<string, Bulkhead>()
    const bulkheadOf = (service: string): Bulkhead => {
      const known = bulkheads.get(service)
      if (known !== undefined) return known
      const created = makeBulkheadUnsafe({ limit: options.bulkheadLimit, queue: options.bulkheadQueue })
      bulkheads.set(service, created)
      return created
    }

    return {
      guard: (service, attempt, { maxWaitMs }) =>
        Effect.suspend(() =>
          // The breaker is asked once a slot is free, so a call that waited sees the circuit as it is now.
          bulkheadOf(service).run(breaker.run(service, attempt), { maxWaitMs })
        ),
      states: () => breaker.states
    }
  })

export const resilienceLayer = (options: ResilienceOptions) => Layer.effect(Resilience, makeResilience(options))

/** Breakers and bulkheads with the DESIGN §7 defaults, in memory; needs nothing. */
export const ResilienceInMemory = resilienceLayer(defaultResilienceOptions)
