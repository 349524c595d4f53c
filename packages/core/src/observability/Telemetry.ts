import { Context, Effect, Exit, Metric, Option, Tracer } from "effect"

/**
 * The orchestrator's metrics (Effect `Metric`s, served in Prometheus text at `GET /metrics`).
 * Durations are in seconds, as Prometheus expects; label values are bounded sets (routes, services,
 * outcomes, codes), never ids.
 */

/** 1 ms … ~8 s, doubling: an in-memory call at the low end, a request at its 5 s deadline at the high end. */
const secondsBoundaries = Metric.exponentialBoundaries({ start: 0.001, factor: 2, count: 14 })

/**
 * A metric's series, one per label set, each built on its first use with its labels as
 * fixed attributes. `Metric.withAttributes` would instead re-derive the series key (a sort and a
 * JSON string) on every update, which on the hot path — every downstream call, every request —
 * cost more than the update itself. The series are found through one map per label, so a lookup
 * builds no string; label values are bounded sets, so the maps stay small.
 */
const labelled = <Input, State>(
  names: ReadonlyArray<string>,
  make: (attributes: Readonly<Record<string, string>>) => Metric.Metric<Input, State>
) => {
  interface Level {
    readonly next: Map<string, Level>
    series: Metric.Metric<Input, State> | undefined
  }
  const root: Level = { next: new Map(), series: undefined }
  return {
    /** The series for these label values, in the order of `names`. */
    with: (...values: ReadonlyArray<string>): Metric.Metric<Input, State> => {
      let level = root
      for (const value of values) {
        let next = level.next.get(value)
        if (next === undefined) {
          next = { next: new Map(), series: undefined }
          level.next.set(value, next)
        }
        level = next
      }
      if (level.series === undefined) level.series = make(Object.fromEntries(names.map((name, i) => [name, values[i] ?? ""])))
      return level.series
    }
  }
}

const httpRequestsBy = labelled(["method", "route", "status"], (attributes) =>
  Metric.counter("orchestra_http_requests_total", {
    description: "HTTP requests answered, by method, route and status",
    incremental: true,
    attributes
  })
)

const httpRequestDurationBy = labelled(["method", "route", "status"], (attributes) =>
  Metric.histogram("orchestra_http_request_duration_seconds", {
    description: "HTTP request latency in seconds, by method, route and status",
    boundaries: secondsBoundaries,
    attributes
  })
)

const downstreamCallsBy = labelled(["service", "outcome"], (attributes) =>
  Metric.counter("orchestra_downstream_calls_total", {
    description: "Downstream call attempts, by service and outcome (ok, refused, error, timeout, rejected, interrupted)",
    incremental: true,
    attributes
  })
)

const downstreamCallDurationBy = labelled(["service", "outcome"], (attributes) =>
  Metric.histogram("orchestra_downstream_call_duration_seconds", {
    description: "Downstream call attempt latency in seconds, by service and outcome",
    boundaries: secondsBoundaries,
    attributes
  })
)

const cacheLookupsBy = labelled(["result"], (attributes) =>
  Metric.counter("orchestra_cache_lookups_total", {
    description: "Computed-cart cache lookups (GET /cart?compute=false), by result (hit, miss)",
    incremental: true,
    attributes
  })
)

const checkoutsBy = labelled(["phase", "outcome"], (attributes) =>
  Metric.counter("orchestra_checkouts_total", {
    description: "Checkout outcomes: phase place_order (order status or error code) and webhook (saga outcome or error code)",
    incremental: true,
    attributes
  })
)

const stuckStepsBy = labelled(["step"], (attributes) =>
  Metric.counter("orchestra_checkout_stuck_steps_total", {
    description:
      "Checkout steps that must succeed (undos, phase 2, post-order effects) failing again after many attempts, by step: each needs an operator's eye",
    incremental: true,
    attributes
  })
)

const retriesBy = labelled(["service", "outcome"], (attributes) =>
  Metric.counter("orchestra_downstream_retries_total", {
    description: "Retries of downstream calls, by service and outcome: retried, or skipped because the service's retry budget was spent",
    incremental: true,
    attributes
  })
)

const rateLimitedBy = labelled(["limit"], (attributes) =>
  Metric.counter("orchestra_rate_limited_total", {
    description: "Requests refused with 429 RATE_LIMITED, by the abuse limit that refused them",
    incremental: true,
    attributes
  })
)

export type DownstreamOutcome = "ok" | "refused" | "error" | "timeout" | "rejected" | "interrupted"

/**
 * One attempt at a downstream call (or one refused by its breaker or bulkhead, with no duration),
 * recorded at once in the metrics of `context`: the step runner records from inside its own exit
 * handlers, where building two more effects per call would cost more than the update.
 */
export const recordDownstreamCallUnsafe = (
  context: Context.Context<never>,
  service: string,
  outcome: DownstreamOutcome,
  seconds?: number
): void => {
  downstreamCallsBy.with(service, outcome).updateUnsafe(1, context)
  if (seconds !== undefined) downstreamCallDurationBy.with(service, outcome).updateUnsafe(seconds, context)
}

/** A retry made, or not made because the service's retry budget was spent; recorded from inside the step runner's retry loop. */
export const recordRetryUnsafe = (context: Context.Context<never>, service: string, outcome: "retried" | "budget_exhausted"): void =>
  retriesBy.with(service, outcome).updateUnsafe(1, context)

export const recordCacheLookup = (result: "hit" | "miss") => Metric.update(cacheLookupsBy.with(result), 1)

/** The cache lookups with this result so far, read back by `/metrics` for its hit ratio. */
export const cacheLookupCount = (result: "hit" | "miss") =>
  Effect.map(Metric.value(cacheLookupsBy.with(result)), (state) => state.count)

export const recordRateLimited = (limit: string) => Metric.update(rateLimitedBy.with(limit), 1)

export const recordCheckout = (phase: "place_order" | "webhook", outcome: string) =>
  Metric.update(checkoutsBy.with(phase, outcome), 1)

/** A must-succeed checkout step failed again past the point where it should have recovered. */
export const recordStuckStep = (step: string) => Metric.update(stuckStepsBy.with(step), 1)

export const recordHttpRequest = (
  attributes: { readonly method: string; readonly route: string; readonly status: number },
  seconds: number
) => {
  const status = String(attributes.status)
  return Effect.andThen(
    Metric.update(httpRequestsBy.with(attributes.method, attributes.route, status), 1),
    Metric.update(httpRequestDurationBy.with(attributes.method, attributes.route, status), seconds)
  )
}

/** The public error code of a failure (the tag of an ApiError), or `INTERNAL` for anything else. */
export const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "INTERNAL"

/** How an effect ended, as a label: `ok`, the error code, or `interrupted`. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const error = Exit.findErrorOption(exit)
  if (Option.isSome(error)) return codeOf(error.value)
  return Exit.hasInterrupts(exit) ? "interrupted" : "INTERNAL"
}

/**
 * Whether a span would go anywhere. With Effect's native tracer (no exporter installed) spans live
 * in memory and are dropped: the request's own span still carries the trace and span ids into the
 * logs and the `traceparent` downstream, so the flow and step spans under it are skipped, which
 * saves ~3 µs of CPU per step.
 */
export const spansExported = (context: Context.Context<never>): boolean => Context.get(context, Tracer.Tracer) !== Tracer.nativeTracer

/**
 * A flow in its own tracing span, `flow.<name>`: the parent of its steps' spans, so a trace shows
 * which flow made which downstream calls. The span carries the flow's outcome.
 */
export const tracedFlow =
  <I, A, E, R>(name: string, flow: (input: I) => Effect.Effect<A, E, R>) =>
  (input: I): Effect.Effect<A, E, R> =>
    Effect.contextWith((context: Context.Context<never>) =>
      spansExported(context)
        ? flow(input).pipe(
            Effect.onExit((exit) => Effect.annotateCurrentSpan("orchestra.outcome", outcomeOf(exit))),
            // The span's name says which flow it is; a stack trace would cost more than the span.
            Effect.withSpan(`flow.${name}`, { attributes: { "orchestra.flow": name } }, { captureStackTrace: false })
          )
        : flow(input)
    )
