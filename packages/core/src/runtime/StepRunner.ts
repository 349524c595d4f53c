import { Clock, Context, Effect, Exit, Option } from "effect"
import { DeadlineExceeded, DownstreamError, DownstreamTimeout, DownstreamUnavailable } from "../domain/Errors.ts"
import { type DownstreamOutcome, recordDownstreamCallUnsafe, recordRetryUnsafe, spansExported } from "../observability/Telemetry.ts"
import { fullJitter } from "../resilience/fullJitter.ts"
import { isRejection, type Rejection, Resilience } from "../resilience/Resilience.ts"
import { RetryBudget } from "../resilience/RetryBudget.ts"
import { isTransient } from "../resilience/transient.ts"
import { DownstreamFailure, ResourceConflict, ResourceNotFound } from "../services/DownstreamErrors.ts"
import { CurrentDeadline } from "./CurrentDeadline.ts"
import { addWarning, RequestContext } from "./RequestContext.ts"
import { StepPolicy, type StepPolicyShape } from "./StepPolicy.ts"
import { stepTimeout } from "./stepTimeout.ts"

export { CurrentDeadline } from "./CurrentDeadline.ts"

/** A downstream call as the flows name it: `service.endpoint`, and whether it changes anything. */
export interface StepSpec {
  readonly name: string
  readonly kind: "read" | "write"
  /** A write carrying an idempotency key acts once however often it is sent, so it may be retried. */
  readonly idempotent?: boolean
}

export type StepFailure = DownstreamError | DownstreamUnavailable | DownstreamTimeout | DeadlineExceeded

const serviceOf = (name: string) => name.split(".")[0] ?? name

/** A failed call in the public vocabulary of DESIGN §3, naming the service. */
export const toStepFailure = (step: string, failure: DownstreamFailure): StepFailure => {
  const service = failure.service
  const message = `${step} ${failure.message}`
  if (failure.reason === "Timeout") return new DownstreamTimeout({ service, message })
  if (failure.reason === "Status" && failure.status === 503) return new DownstreamUnavailable({ service, message })
  return new DownstreamError({ service, message })
}

/** A call the breaker or the bulkhead did not let through: the service is unavailable to us, or we ran out of time. */
const toRefusal = (step: string, service: string, rejection: Rejection): DownstreamUnavailable | DeadlineExceeded =>
  rejection._tag === "BulkheadWaitTimeout"
    ? new DeadlineExceeded({ service, message: `${step} waited for a free slot until the request deadline` })
    : new DownstreamUnavailable({ service, message: `${step} not called: ${rejection.message}` })

/** One attempt's outcome as the metrics label it. */
const attemptOutcome = (exit: Exit.Exit<unknown, unknown>): DownstreamOutcome => {
  if (Exit.isSuccess(exit)) return "ok"
  const error = Exit.findErrorOption(exit)
  if (Option.isNone(error)) return Exit.hasInterrupts(exit) ? "interrupted" : "error"
  const e = error.value
  if (e instanceof ResourceNotFound || e instanceof ResourceConflict) return "refused"
  if (e instanceof DeadlineExceeded || (e instanceof DownstreamFailure && e.reason === "Timeout")) return "timeout"
  return "error"
}

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * Reads and idempotent writes retry on transient failures only, with capped full jitter, while
 * `mayRetry` allows it (the policy's count and the service's retry budget).
 */
const retryTransient = <A, E, R>(attempt: Effect.Effect<A, E, R>, policy: StepPolicyShape, mayRetry: () => boolean): Effect.Effect<A, E, R> =>
  // Most calls succeed at once, so the retry machinery is built only after a first failure, which
  // is replayed into it: the schedule then waits exactly as if it had wrapped the call from the start.
  Effect.catchIf(attempt, isTransient, (first) => {
    let replayed = false
    const again = Effect.suspend(() => {
      if (replayed) return attempt
      replayed = true
      return Effect.fail(first)
    })
    return Effect.retry(again, {
      schedule: fullJitter({ baseMs: policy.retryBaseMs, capMs: policy.retryCapMs }),
      times: policy.retries,
      while: (error) => isTransient(error) && mayRetry()
    })
  })

/**
 * Runs one downstream call under its policy (DESIGN §7). Each attempt waits for a slot in the
 * service's bulkhead (never past the request's deadline), is refused at once while the service's
 * breaker is open, and gets a timeout of min(the call's budget, the time left before the
 * deadline), which it passes on as `CurrentDeadline`; nothing starts after the deadline. Reads
 * and idempotent writes are retried on transient failures only, with capped full jitter. Every
 * step gets a trace record, and a tracing span when spans are exported. Declared refusals (404/409) come back unchanged
 * for the flow to interpret; anything else is mapped to the public downstream errors.
 *
 * Every flow runs this once per downstream call, so it reads its services and the clock
 * directly from the context instead of through a generator of effects: the bookkeeping around a
 * call should cost a small fraction of the call.
 */
export const runStep = <A, E>(
  spec: StepSpec,
  call: Effect.Effect<A, E | DownstreamFailure>
): Effect.Effect<A, Exclude<E, DownstreamFailure> | StepFailure, RequestContext> => {
  const service = serviceOf(spec.name)
  const retryable = spec.kind === "read" || spec.idempotent === true
  return Effect.contextWith((services: Context.Context<RequestContext>) => {
    const context = Context.get(services, RequestContext)
    const policy = Context.get(services, StepPolicy)
    const resilience = Context.get(services, Resilience)
    const critical = Context.get(services, StepCritical)
    const retryBudget = Context.get(services, RetryBudget)
    const clock = Context.get(services, Clock.Clock)
    const budget = spec.kind === "read" ? policy.readTimeoutMs : policy.writeTimeoutMs
    const startedAt = clock.currentTimeMillisUnsafe()
    let attempts = 0

    const noTimeLeft = () => new DeadlineExceeded({ service, message: `No time left for ${spec.name}` })

    // Measured once a slot is free, so that time spent waiting for one comes off the deadline,
    // not off the call's own budget.
    const timed = Effect.suspend(() => {
      const now = clock.currentTimeMillisUnsafe()
      const left = context.deadlineAt - now
      if (left <= 0) return Effect.fail(noTimeLeft())
      const bounded = Math.min(budget, left)
      const calledAt = clock.currentTimeNanosUnsafe()
      return stepTimeout(Effect.provideService(call, CurrentDeadline, now + bounded), bounded, (): Effect.Effect<never, DeadlineExceeded | DownstreamFailure> =>
        bounded < budget
          ? Effect.fail(new DeadlineExceeded({ service, message: `${spec.name} ran past the request deadline` }))
          : Effect.fail(
              new DownstreamFailure({ service, endpoint: spec.name, reason: "Timeout", message: `timed out after ${bounded} ms` })
            )
      ).pipe(
        // Every attempt that reached the service counts, with its latency, for `/metrics`.
        Effect.onExit((exit) => {
          const seconds = Number(clock.currentTimeNanosUnsafe() - calledAt) / 1e9
          recordDownstreamCallUnsafe(services, service, attemptOutcome(exit), seconds)
          return Effect.void
        })
      )
    })

    const attempt = Effect.suspend(() => {
      if (attempts === 0) retryBudget.recordCall(service, clock.currentTimeMillisUnsafe())
      attempts++
      const left = context.deadlineAt - clock.currentTimeMillisUnsafe()
      if (left <= 0) return Effect.fail(noTimeLeft())
      return resilience.guard(service, timed, { maxWaitMs: left })
    }).pipe(
      Effect.mapError((e) => {
        if (!isRejection(e)) return e
        recordDownstreamCallUnsafe(services, service, "rejected")
        return toRefusal(spec.name, service, e)
      })
    )

    const outcomeOf = (failed: boolean) => (failed ? (critical ? "failed" : "degraded") : "ok")
    const exported = spansExported(services)
    // Asked only for a retry the policy would make, so the budget never counts one that does not happen.
    const mayRetry = () => {
      if (attempts > policy.retries) return false
      const allowed = retryBudget.tryRetry(service, clock.currentTimeMillisUnsafe())
      recordRetryUnsafe(services, service, allowed ? "retried" : "budget_exhausted")
      return allowed
    }
    const recorded = (retryable ? retryTransient(attempt, policy, mayRetry) : attempt).pipe(
      Effect.onExit((exit) => {
        const failed = Exit.isFailure(exit)
        const outcome = outcomeOf(failed)
        context.trace.push({
          step: spec.name,
          service,
          start_ms: startedAt - context.startedAt,
          duration_ms: clock.currentTimeMillisUnsafe() - startedAt,
          attempts,
          outcome,
          critical,
          ...(failed ? { error: describe(Option.getOrUndefined(Exit.findErrorOption(exit))) } : {})
        })
        return exported ? Effect.annotateCurrentSpan({ attempts, outcome }) : Effect.void
      })
    )
    // No stack trace: the span's name already says which step it is, and capturing one costs
    // more than the rest of the span.
    const spanned = exported
      ? Effect.withSpan(recorded, spec.name, { attributes: { service, critical }, captureStackTrace: false })
      : recorded
    return spanned.pipe(
      Effect.mapError((e): Exclude<E, DownstreamFailure> | StepFailure => {
        if (e instanceof DownstreamFailure) return toStepFailure(spec.name, e)
        // Everything else is already a declared refusal or a StepFailure; TypeScript cannot
        // narrow the generic E through instanceof.
        return e as Exclude<E, DownstreamFailure> | StepFailure
      })
    )
  })
}

/** What a degraded optional step tells the client: a code and the consequence. */
export interface Degradation {
  readonly code: string
  readonly message: string
}

/**
 * Whether the steps run here fail the flow. `optional` turns it off for the steps inside it, so
 * the trace records them as degraded rather than failed.
 */
export const StepCritical = Context.Reference<boolean>("orchestra/StepCritical", { defaultValue: () => true })

const serviceOfError = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "service" in error && typeof error.service === "string"
    ? error.service
    : undefined

/**
 * Makes steps optional (DESIGN §4): any failure becomes a `warnings[]` entry naming the service,
 * and the flow goes on without the result.
 */
export const optional = <A, E, R>(
  steps: Effect.Effect<A, E, R>,
  degraded: Degradation
): Effect.Effect<Option.Option<A>, never, R | RequestContext> =>
  steps.pipe(
    Effect.provideService(StepCritical, false),
    Effect.map(Option.some),
    Effect.catch((error) => {
      const service = serviceOfError(error)
      return Effect.as(
        addWarning({
          code: degraded.code,
          message: `${degraded.message} (${describe(error)})`,
          ...(service === undefined ? {} : { service })
        }),
        Option.none<A>()
      )
    })
  )

export const optionalStep = <A, E>(
  spec: StepSpec,
  call: Effect.Effect<A, E | DownstreamFailure>,
  degraded: Degradation
): Effect.Effect<Option.Option<A>, never, RequestContext> =>
  optional(
    Effect.mapError(runStep(spec, call), (error) =>
      serviceOfError(error) === undefined ? { service: serviceOf(spec.name), message: describe(error) } : error
    ),
    degraded
  )
