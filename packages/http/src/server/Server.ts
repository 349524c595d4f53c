import { NodeHttpServer } from "@effect/platform-node"
import { checkoutEngine } from "@orchestra/core/checkout/CheckoutEngine"
import { CheckoutFlowsLive } from "@orchestra/core/checkout/CheckoutFlows"
import { PaymentWindow } from "@orchestra/core/checkout/checkoutSaga"
import { CartFlowsLive } from "@orchestra/core/flows/CartFlowsLive"
import { ResilienceLive } from "@orchestra/core/resilience/ResilienceConfig"
import type { Downstreams } from "@orchestra/core/services/index"
import { describeTarget } from "@orchestra/core/stores/RedisConnection"
import { SuggestionsFlowLive } from "@orchestra/core/suggestions/SuggestionsFlow"
import { Duration, Effect, Layer, Logger, Option } from "effect"
import { ServerConfig, type ServerConfigShape } from "../config/ServerConfig.ts"
import { Admission, type AdmissionShape } from "../overload/Admission.ts"
import { AdmissionConfig, type AdmissionSettings } from "../overload/AdmissionConfig.ts"
import { makeAdmissionGate } from "../overload/AdmissionGate.ts"
import { admitRequests } from "../overload/admittingServer.ts"
import { adaptiveLimit, fixedLimit } from "@orchestra/core/resilience/ConcurrencyLimit"
import { TracingLive } from "../ops/Tracing.ts"
import { LiveDownstreamsLayer, sandboxDownstreams } from "./Downstreams.ts"
import { drainingServer } from "./drainingServer.ts"
import { HttpApp } from "./HttpApp.ts"
import { MemoryStores, RedisStores } from "./Stores.ts"

/** In-flight requests get this long to finish after SIGTERM before they are cut off. */
export const SHUTDOWN_GRACE = Duration.seconds(10)

export const JsonLogger = Logger.layer([Logger.consoleJson])

const announce = (config: ServerConfigShape) =>
  Effect.gen(function* () {
    yield* Effect.logInfo(
      `Orchestra starting in ${config.mode} mode on port ${config.port}; stores: ${Option.match(config.redis, { onNone: () => "memory (this process only)", onSome: (target) => `redis (${describeTarget(target)})` })}; checkouts: ${Option.isSome(config.checkout.databaseUrl) ? "durable (PostgreSQL)" : "memory (this process only)"}`
    )
    if (Option.isNone(config.gatewaySecret)) {
      yield* Effect.logWarning("No ORCHESTRA_GATEWAY_SECRET: identity headers are trusted as sent")
    }
    if (config.sandboxFaults.length > 0) {
      yield* Effect.logWarning(`Sandbox faults active: ${config.sandboxFaults.map((rule) => rule.target).join(", ")}`)
    }
  })

export interface OrchestraOptions {
  /**
   * The downstream services instead of the ones the mode picks: tests pass simulators whose state
   * they inspect afterwards.
   */
  readonly downstreams?: Layer.Layer<Downstreams> | undefined
  /** The admission gate in front of `httpServer`, when it has one. */
  readonly admission?: AdmissionShape | undefined
}

/**
 * The whole orchestrator for one configuration on the given HTTP server: the flows over sandbox
 * or live downstreams, Redis or memory stores. Tests pass the in-process test server.
 */
export const orchestraOn = <A, E, R>(config: ServerConfigShape, httpServer: Layer.Layer<A, E, R>, options: OrchestraOptions = {}) =>
  Layer.unwrap(
    Effect.as(
      announce(config),
      HttpApp.pipe(
        Layer.provide(
          Layer.mergeAll(CartFlowsLive, CheckoutFlowsLive, SuggestionsFlowLive).pipe(
            Layer.provide(
              options.downstreams ?? (config.mode === "live" ? LiveDownstreamsLayer : sandboxDownstreams(config.sandboxFaults))
            )
          )
        ),
        Layer.provideMerge(httpServer),
        // Provided after the server, so the stores and the workflow engine close only once it has drained.
        Layer.provide(Option.isSome(config.redis) ? RedisStores : MemoryStores),
        Layer.provide(checkoutEngine(config.checkout)),
        Layer.provide(Layer.succeed(PaymentWindow, config.checkout.paymentWindow)),
        // Deadlines, retries, one circuit breaker and one bulkhead per downstream service (DESIGN §7).
        Layer.provide(ResilienceLive),
        Layer.provide(options.admission === undefined ? Layer.empty : Layer.succeed(Admission, options.admission)),
        Layer.provide(Layer.succeed(ServerConfig, config)),
        // Outermost, so every span of the server goes to OTLP when it is configured, and is flushed last.
        Layer.provide(TracingLive)
      )
    )
  )

/**
 * The Node server on `PORT`, behind the admission gate `settings` ask for (DESIGN §3, Overload):
 * `/health`, `/ready` and `/metrics` pass it always.
 */
export const gatedServerLayer = (config: ServerConfigShape, settings: AdmissionSettings) => {
  const server = drainingServer()
  const admission =
    settings.maxInFlight === "off"
      ? undefined
      : admitRequests(
          server,
          makeAdmissionGate({
            limit: settings.maxInFlight === "auto" ? adaptiveLimit() : fixedLimit(settings.maxInFlight),
            queue: settings.queue === "auto" ? undefined : settings.queue,
            deadlineMs: config.requestDeadlineMs
          })
        )
  return {
    httpServer: NodeHttpServer.layer(() => server, { port: config.port, gracefulShutdownTimeout: SHUTDOWN_GRACE }),
    admission
  }
}

/** The orchestrator on `PORT`; shared by `pnpm start` and `orchestra serve`. */
export const serverFromConfig = (config: ServerConfigShape) =>
  Layer.unwrap(
    Effect.map(AdmissionConfig, (settings) => {
      const { httpServer, admission } = gatedServerLayer(config, settings)
      return orchestraOn(config, httpServer, { admission })
    })
  )

/** The orchestrator configured from the environment, logging JSON lines. */
export const OrchestraServer = Layer.unwrap(Effect.map(ServerConfig.load, serverFromConfig)).pipe(Layer.provide(JsonLogger))
