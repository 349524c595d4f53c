import { NodeHttpClient } from "@effect/platform-node"
import { Cause, ConfigProvider, Effect, Exit, Layer } from "effect"
import { type CheckoutFlows, CheckoutFlowsLive } from "@orchestra/core/checkout/CheckoutFlows"
import type { CartFlows } from "@orchestra/core/flows/CartFlows"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { ResilienceLive } from "@orchestra/core/resilience/ResilienceConfig"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { StepPolicy } from "@orchestra/core/runtime/StepPolicy"
import { LiveDownstreams } from "@orchestra/core/services/index"
import { type SuggestionsFlow, SuggestionsFlowLive } from "@orchestra/core/suggestions/SuggestionsFlow"
import type { Fixture, FixtureRequest, FlowName } from "@orchestra/testkit/replay/Fixture"
import { makeRecordingSink, type RecordingSink, recordingLayer } from "@orchestra/testkit/replay/RecordingHttpClient"
import { MemoryStores } from "@orchestra/testkit/sandbox/SandboxEnvironment"
import { flowSpec } from "../flows/FlowCatalog.ts"
import { flowCallOf } from "../flows/PublicRequest.ts"


export interface FlowRequest {
  readonly flow: FlowName
  readonly request: FixtureRequest
}

export interface RecordOptions extends FlowRequest {
  /** Every `*_SERVICE_URL`: where the live client layers find the services. */
  readonly serviceUrls: Readonly<Record<string, string>>
  /** Settings of `RECORDED_SETTINGS` to run with (and write into the fixture). */
  readonly settings: Readonly<Record<string, string>>
  /** Requests run first, unrecorded, to bring the services into the state the flow should meet. */
  readonly setup: ReadonlyArray<FlowRequest>
  /** Runs after the setup and before the recorded flow: how a recipe stages an incident. */
  readonly beforeRecording?: Effect.Effect<void>
  /**
   * The recorded request from the setup's responses, when it depends on them (place-order sends
   * the total the cart came to). Without it, `request` is recorded as given.
   */
  readonly requestAfterSetup?: (responses: ReadonlyArray<unknown>) => Effect.Effect<FixtureRequest, string>
  readonly description?: string
}

/**
 * One orchestrator over live HTTP: the production flows and client layers with a recording
 * `HttpClient`, and memory stores of its own (a fresh process, as a simulation has).
 */
const orchestrator = (sink: RecordingSink, options: RecordOptions) =>
  Layer.mergeAll(CartFlowsLive, CheckoutFlowsLive, SuggestionsFlowLive).pipe(
    Layer.provide(LiveDownstreams),
    Layer.provide(recordingLayer(sink)),
    // Timeouts, retries, breakers and bulkheads as the server has them.
    Layer.provideMerge(ResilienceLive),
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(MemoryStores),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ...options.serviceUrls, ...options.settings })))
  )

/** Runs `effect` in an orchestrator; a configuration it cannot start with is reported, not thrown. */
const inOrchestrator =
  (sink: RecordingSink, options: RecordOptions) =>
  <A>(effect: Effect.Effect<A, string, CartFlows | CheckoutFlows | SuggestionsFlow>) =>
    effect.pipe(
      // Its own layers, never ones an enclosing scope built: each orchestrator has its own client and stores.
      Effect.provide(orchestrator(sink, options), { local: true }),
      Effect.mapError((error) => (typeof error === "string" ? error : `the orchestrator could not start: ${error.message}`))
    )

const runOnce = (request: FlowRequest, label: string) =>
  Effect.gen(function* () {
    const spec = flowSpec(request.flow)
    const call = yield* flowCallOf(spec, request.request).pipe(Effect.mapError((message) => `${label}: ${message}`))
    const flow = yield* spec.prepare(call).pipe(Effect.mapError((message) => `${label}: ${message}`))
    const policy = yield* StepPolicy
    const context = yield* RequestContext.make({
      requestId: `rec-${request.flow}`,
      deadlineMs: policy.requestDeadlineMs,
      idempotencyKey: call.idempotencyKey
    })
    return yield* Effect.exit(Effect.provideService(flow, RequestContext, context))
  })

/** Waits for calls the flow left running (checkout's notifications after the response), up to 5 s. */
const settle = (sink: RecordingSink) =>
  Effect.gen(function* () {
    let quiet = 0
    for (let waited = 0; waited < 5_000 && quiet < 4; waited += 50) {
      yield* Effect.sleep("50 millis")
      quiet = sink.inFlight.count === 0 ? quiet + 1 : 0
    }
  })

/**
 * Runs the setup requests, then the flow with every downstream interaction recorded, against
 * the services at `serviceUrls`, and answers the fixture. A setup request that fails stops the
 * recording; the recorded flow may fail (an incident is worth a fixture too).
 */
export const recordFixture = (options: RecordOptions): Effect.Effect<Fixture, string> =>
  Effect.gen(function* () {
    const setupSink = makeRecordingSink()
    const responses = yield* Effect.forEach(options.setup, (request, index) =>
      Effect.flatMap(runOnce(request, `setup ${index + 1} (${request.flow})`), (exit) =>
        Exit.isSuccess(exit)
          ? Effect.succeed(exit.value)
          : Effect.fail(`setup ${index + 1} (${request.flow}) failed: ${Cause.pretty(exit.cause).split("\n")[0]}`)
      )
    ).pipe(inOrchestrator(setupSink, options))
    const request = options.requestAfterSetup === undefined ? options.request : yield* options.requestAfterSetup(responses)

    if (options.beforeRecording !== undefined) yield* options.beforeRecording

    const sink = makeRecordingSink()
    const recordedAt = new Date().toISOString()
    yield* Effect.gen(function* () {
      sink.on = true
      yield* runOnce({ flow: options.flow, request }, options.flow)
      yield* settle(sink)
      sink.on = false
    }).pipe(inOrchestrator(sink, options))

    return {
      flow: options.flow,
      ...(options.description === undefined ? {} : { description: options.description }),
      recorded_at: recordedAt,
      ...(Object.keys(options.settings).length === 0 ? {} : { config: { ...options.settings } }),
      request,
      interactions: sink.interactions
    } satisfies Fixture
  }).pipe(Effect.catchDefect((defect) => Effect.fail(`recording failed: ${String(defect)}`)))
