import { Clock, Context, Effect, Schema } from "effect"
import type { Warning } from "../flows/responses.ts"

/** One downstream step as it ran: what the CLI timeline and `x-debug-trace` show. */
export const StepRecord = Schema.Struct({
  step: Schema.String,
  service: Schema.String,
  /** Milliseconds from the start of the request. */
  start_ms: Schema.Finite,
  duration_ms: Schema.Finite,
  attempts: Schema.Int,
  outcome: Schema.Literals(["ok", "failed", "degraded"]),
  critical: Schema.Boolean,
  error: Schema.optionalKey(Schema.String)
})
export type StepRecord = typeof StepRecord.Type

export interface RequestContextShape {
  readonly requestId: string
  readonly startedAt: number
  /** Epoch milliseconds after which no downstream call is started. */
  readonly deadlineAt: number
  /** The request's `Idempotency-Key`, from which downstream write keys are derived. */
  readonly idempotencyKey: string | undefined
  readonly trace: Array<StepRecord>
  readonly warnings: Array<Warning>
  /** Headers a flow adds to its answer (`Retry-After`, `idempotent-replayed`); the HTTP edge writes them. */
  readonly responseHeaders: Record<string, string>
}

/**
 * Per-request state the step runner writes to: the trace and the warnings of degraded steps.
 * Append-only arrays, owned by one request.
 */
export class RequestContext extends Context.Service<RequestContext, RequestContextShape>()("orchestra/RequestContext") {
  static readonly make = (options: {
    readonly requestId: string
    readonly deadlineMs: number
    readonly idempotencyKey?: string | undefined
    /** When the request arrived (epoch ms), if it waited before it got here: its deadline runs from then. */
    readonly arrivedAt?: number | undefined
  }): Effect.Effect<RequestContextShape> =>
    Effect.map(Clock.currentTimeMillis, (now) => ({
      requestId: options.requestId,
      startedAt: options.arrivedAt ?? now,
      deadlineAt: (options.arrivedAt ?? now) + options.deadlineMs,
      idempotencyKey: options.idempotencyKey,
      trace: [],
      warnings: [],
      responseHeaders: {}
    }))
}

export const addWarning = (warning: Warning) =>
  Effect.gen(function* () {
    const context = yield* RequestContext
    context.warnings.push(warning)
  })
