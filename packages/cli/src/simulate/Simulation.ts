import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Random, References, Result, Schema } from "effect"
import { CheckoutFlowsLive } from "@orchestra/core/checkout/CheckoutFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { Warning } from "@orchestra/core/flows/responses"
import { ResilienceLive } from "@orchestra/core/resilience/ResilienceConfig"
import { RequestContext, type StepRecord } from "@orchestra/core/runtime/RequestContext"
import { StepPolicy } from "@orchestra/core/runtime/StepPolicy"
import { LiveDownstreams } from "@orchestra/core/services/index"
import { SuggestionsFlowLive } from "@orchestra/core/suggestions/SuggestionsFlow"
import { statusOfCode } from "@orchestra/http/api/ErrorBody"
import { errorBodyFor } from "@orchestra/http/errors/ErrorAnswer"
import type { FaultRule } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import type { Fixture, FixtureRequest } from "@orchestra/testkit/replay/Fixture"
import { Replay, type ReplayEntry, ReplayMiss, replayLayer } from "@orchestra/testkit/replay/ReplayHttpClient"
import { onVirtualClock } from "@orchestra/testkit/replay/VirtualClock"
import { MemoryStores } from "@orchestra/testkit/sandbox/SandboxEnvironment"
import { sandboxServiceUrls } from "@orchestra/testkit/sandbox/SandboxServer"
import { flowSpec } from "../flows/FlowCatalog.ts"
import { flowCallOf } from "../flows/PublicRequest.ts"

export interface SimulationOptions {
  /** Answer at once instead of after each interaction's recorded latency. */
  readonly fast: boolean
  /** `--what-if` faults, applied by the replaying client as the sandbox applies its faults. */
  readonly whatIf: ReadonlyArray<FaultRule>
  /** The request deadline; by default the server's (`ORCHESTRA_REQUEST_DEADLINE_MS`, 5000). */
  readonly deadlineMs?: number | undefined
}

export interface SimulationResult {
  /** The HTTP status the public API would have answered. */
  readonly status: number
  readonly ok: boolean
  /** The public error, when the flow failed. */
  readonly failure?: { readonly code: string; readonly message: string }
  /** The body the public API would have answered (the error body on failure). */
  readonly response: unknown
  readonly trace: ReadonlyArray<StepRecord>
  readonly warnings: ReadonlyArray<Warning>
  /** How each downstream call was answered: from the fixture or by a what-if. */
  readonly calls: ReadonlyArray<ReplayEntry>
  /** Clock time the request started (the fixture's `recorded_at`). */
  readonly startedAt: number
  /** The request deadline it ran with. */
  readonly deadlineMs: number
}

// Any base URL does: the replaying client answers by path, and no request leaves the process.
const REPLAY_BASE_URL = "http://replay.invalid"

/**
 * The simulation's choice of layers (DESIGN §2): the real flows over the live client layers,
 * whose `HttpClient` answers from the fixture; memory stores, empty as a fresh process has them.
 */
const simulationLayer = (fixture: Fixture, options: SimulationOptions) =>
  Layer.mergeAll(CartFlowsLive, CheckoutFlowsLive, SuggestionsFlowLive).pipe(
    Layer.provide(LiveDownstreams),
    Layer.provideMerge(replayLayer(fixture, { honourLatency: !options.fast, approximate: options.whatIf.length > 0 })),
    // Timeouts, retries, breakers and bulkheads as the server has them, from the fixture's settings.
    Layer.provideMerge(ResilienceLive),
    Layer.provide(FaultInjector.make({ rules: options.whatIf })),
    Layer.provide(MemoryStores),
    Layer.provide(
      ConfigProvider.layer(ConfigProvider.fromUnknown({ ...sandboxServiceUrls(REPLAY_BASE_URL), ...(fixture.config ?? {}) }))
    )
  )

/** A replay miss that stopped the flow as a defect. */
const missIn = (cause: Cause.Cause<unknown>): ReplayMiss | undefined => {
  const defect = Cause.findDefect(cause)
  return Result.isSuccess(defect) && defect.success instanceof ReplayMiss ? defect.success : undefined
}

const ResponseWarnings = Schema.Struct({ warnings: Schema.Array(Warning) })

/**
 * Every warning the request produced: degraded steps (the request context) and the cart's own
 * conditions the response reports (STORE_OFFLINE, PRICE_CHANGED…), each once.
 */
const allWarnings = (context: ReadonlyArray<Warning>, response: unknown): ReadonlyArray<Warning> => {
  const inResponse = Schema.decodeUnknownOption(ResponseWarnings)(response).pipe(Option.map((r) => r.warnings))
  const all = [...context, ...Option.getOrElse(inResponse, () => [])]
  return all.filter((w, i) => all.findIndex((o) => o.code === w.code && o.message === w.message) === i)
}

const requestIdOf = (fixture: Fixture) => `sim-${fixture.flow}`

/**
 * Runs the fixture's flow offline: the request (the fixture's, or one the flags changed) through
 * the real flow, every downstream call answered from the fixture. Time is virtual and starts at
 * `recorded_at`, so "today" is the recorded day and the trace shows the recorded latencies exactly.
 * Fails with a message (bad usage or a fixture that cannot answer the flow) rather than a result.
 */
export const simulate = (
  fixture: Fixture,
  request: FixtureRequest,
  options: SimulationOptions
): Effect.Effect<SimulationResult, string> =>
  Effect.gen(function* () {
    const spec = flowSpec(fixture.flow)
    const call = yield* flowCallOf(spec, request)
    const flow = yield* spec.prepare(call)
    const startedAt = Date.parse(fixture.recorded_at)
    const requestId = requestIdOf(fixture)

    const run = Effect.gen(function* () {
      const policy = yield* StepPolicy
      const context = yield* RequestContext.make({
        requestId,
        deadlineMs: options.deadlineMs ?? policy.requestDeadlineMs,
        idempotencyKey: call.idempotencyKey
      })
      const exit = yield* Effect.exit(Effect.provideService(flow, RequestContext, context))
      const replay = yield* Replay
      return { exit, context, deadlineMs: context.deadlineAt - context.startedAt, calls: replay.entries(), misses: replay.misses() }
    }).pipe(Effect.provide(simulationLayer(fixture, options), { local: true }))

    // Seeded: retry jitter is the same on every run, so the timeline is too.
    const outcome = yield* onVirtualClock(Random.withSeed(run, 42), startedAt).pipe(
      // The flows' own logs would interleave with the timeline, or corrupt the JSON on stdout.
      Effect.provideService(References.MinimumLogLevel, "None"),
      Effect.catchCause((cause) => Effect.fail(`the simulation could not start: ${Cause.pretty(cause)}`))
    )
    const miss = outcome.misses[0] ?? (Exit.isFailure(outcome.exit) ? missIn(outcome.exit.cause) : undefined)
    if (miss !== undefined) {
      const why = options.whatIf.length > 0 ? " (the what-if led the flow to a call the recording never made)" : ""
      return yield* Effect.fail(`${miss.message}${why}`)
    }

    const common = {
      trace: outcome.context.trace,
      warnings: allWarnings(outcome.context.warnings, Exit.isSuccess(outcome.exit) ? outcome.exit.value : undefined),
      calls: outcome.calls,
      startedAt,
      deadlineMs: outcome.deadlineMs
    }
    if (Exit.isSuccess(outcome.exit)) {
      return { status: 200, ok: true, response: outcome.exit.value, ...common }
    }
    const error = Cause.findErrorOption(outcome.exit.cause)
    if (error._tag === "None") {
      return yield* Effect.fail(`the flow died: ${Cause.pretty(outcome.exit.cause)}`)
    }
    const failure = error.value
    return {
      status: statusOfCode.get(failure._tag) ?? 500,
      ok: false,
      failure: { code: failure._tag, message: failure.message },
      response: errorBodyFor(requestId, {
        code: failure._tag,
        message: failure.message,
        service: "service" in failure ? failure.service : undefined,
        details: failure.details
      }),
      ...common
    }
  })
