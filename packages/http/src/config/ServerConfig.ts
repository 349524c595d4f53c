import { type CheckoutEngineConfigShape, checkoutEngineConfig } from "@orchestra/core/checkout/CheckoutEngine"
import { urlEnvOf } from "@orchestra/core/services/Downstream"
import { downstreamServices } from "@orchestra/core/services/index"
import { type RedisTarget, redisTargetFromConfig } from "@orchestra/core/stores/RedisConnection"
import { type FaultRule, parseFaultSpec } from "@orchestra/testkit/faults/Fault"
import { Config, Context, Effect, Layer, Option, Redacted, Result, Schema } from "effect"

export type ServerMode = "sandbox" | "live"

export interface ServerConfigShape {
  readonly port: number
  readonly mode: ServerMode
  /** When set, every cart request must carry a valid gateway signature. */
  readonly gatewaySecret: Option.Option<Redacted.Redacted<string>>
  /** `ORCHESTRA_DEBUG_TRACE=true` lets a request ask for its step trace with `x-debug-trace: 1`. */
  readonly debugTrace: boolean
  readonly requestDeadlineMs: number
  /** `REDIS_URL` as set. */
  readonly redisUrl: Option.Option<string>
  /**
   * Redis backs the cache, locks, idempotency keys and checkout state: `REDIS_CLUSTER_NODES` (a
   * cluster) or `REDIS_URL`. Without either they live in this process only.
   */
  readonly redis: Option.Option<RedisTarget>
  /** `ORCHESTRA_SANDBOX_FAULTS`: faults the sandbox simulators start with. */
  readonly sandboxFaults: ReadonlyArray<FaultRule>
  /** The checkout's workflow engine: `DATABASE_URL`, the payment window, retention, polling. */
  readonly checkout: CheckoutEngineConfigShape
}

/** The server cannot start with this configuration; the message names what to set. */
export class ServerConfigError extends Schema.TaggedError<ServerConfigError>()("ServerConfigError", {
  message: Schema.String
}) {}

// An empty variable counts as unset: `FOO= pnpm start` must not switch modes.
const optionalSetting = (name: string) =>
  Config.option(Config.String(name)).pipe(Config.map(Option.filter((value) => value.trim().length > 0)))

const load = Effect.gen(function* () {
  // 0 asks the OS for a free port: handy for tests and for running several sandboxes side by side.
  const port = yield* Config.schema(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))), "PORT").pipe(
    Config.withDefault(3000)
  )
  const requestedMode = yield* Config.option(Config.Literals(["sandbox", "live"], "ORCHESTRA_MODE"))
  const gatewaySecret = yield* Config.option(Config.Redacted("ORCHESTRA_GATEWAY_SECRET")).pipe(
    Config.map(Option.filter((secret) => Redacted.value(secret).length > 0))
  )
  const debugTrace = yield* Config.Boolean("ORCHESTRA_DEBUG_TRACE").pipe(Config.withDefault(false))
  const requestDeadlineMs = yield* Config.Int("ORCHESTRA_REQUEST_DEADLINE_MS").pipe(Config.withDefault(5_000))
  const redisUrl = yield* optionalSetting("REDIS_URL")
  const redis = yield* redisTargetFromConfig.pipe(
    Effect.catchTag("RedisConfigError", (error) => Effect.fail(new ServerConfigError({ message: error.message })))
  )
  const faultSpec = yield* optionalSetting("ORCHESTRA_SANDBOX_FAULTS")
  const checkout = yield* checkoutEngineConfig(port)
  const serviceUrls = yield* Effect.forEach(downstreamServices, (service) =>
    Effect.map(optionalSetting(urlEnvOf(service)), (url) => ({ variable: urlEnvOf(service), url }))
  )

  const anyServiceUrl = serviceUrls.some(({ url }) => Option.isSome(url))
  const mode: ServerMode = Option.getOrElse(requestedMode, () => (anyServiceUrl ? "live" : "sandbox"))
  if (mode === "live") {
    const missing = serviceUrls.filter(({ url }) => Option.isNone(url)).map(({ variable }) => variable)
    if (Option.isNone(gatewaySecret)) missing.push("ORCHESTRA_GATEWAY_SECRET")
    if (missing.length > 0) {
      return yield* new ServerConfigError({ message: `Live mode needs ${missing.join(", ")}` })
    }
  }
  if (requestDeadlineMs <= 0) {
    return yield* new ServerConfigError({ message: "ORCHESTRA_REQUEST_DEADLINE_MS must be positive" })
  }
  const parsedFaults = Option.match(faultSpec, { onNone: () => Result.succeed([]), onSome: parseFaultSpec })
  if (Result.isFailure(parsedFaults)) {
    return yield* new ServerConfigError({ message: `ORCHESTRA_SANDBOX_FAULTS: ${parsedFaults.failure}` })
  }
  if (mode === "live" && parsedFaults.success.length > 0) {
    return yield* new ServerConfigError({ message: "ORCHESTRA_SANDBOX_FAULTS only applies to sandbox mode" })
  }
  return {
    port,
    mode,
    gatewaySecret,
    debugTrace,
    requestDeadlineMs,
    redisUrl,
    redis,
    sandboxFaults: parsedFaults.success,
    checkout
  } satisfies ServerConfigShape
})

/** Everything the HTTP server reads from the environment, validated once at startup. */
export class ServerConfig extends Context.Service<ServerConfig, ServerConfigShape>()("orchestra/http/ServerConfig") {
  static readonly load: Effect.Effect<ServerConfigShape, ServerConfigError | Config.ConfigError> = load
  static readonly layer = Layer.effect(ServerConfig, load)
}
