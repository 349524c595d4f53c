import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Exit, Layer, Schema, Scope } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { type OrchestraOptions, orchestraOn } from "../../src/server/Server.ts"
import { type LogCapture, makeLogCapture } from "./logs.ts"
import { freePort, waitUntil } from "./processes.ts"
import { type Answer, send } from "./server.ts"

/** The production composition on `httpServer`, configured by `env` only. */
const orchestraServerOn = <A, E>(
  env: Record<string, string>,
  logs: LogCapture,
  httpServer: Layer.Layer<A, E>,
  options: OrchestraOptions
) =>
  Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, httpServer, options))).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provide(logs.layer)
  )

/**
 * The production composition (real flows, the stores the environment picks, resilience,
 * observability) on the in-process test server, configured by `env` only.
 */
export const orchestraTestServer = (env: Record<string, string>, logs: LogCapture = makeLogCapture(), options: OrchestraOptions = {}) =>
  orchestraServerOn(env, logs, NodeHttpServer.layerTest, options)

/** An orchestrator in this process that the test stops and starts again, on one loopback port. */
export interface RestartableOrchestra {
  readonly baseUrl: string
  /** Counts the lives begun and ended: a request sent in one life and failed in another was cut by a restart. */
  readonly life: () => number
  readonly up: () => boolean
  /** Waits (bounded) until the server listens again. */
  readonly awaitUp: Effect.Effect<void>
  /**
   * Stops the server as a crash would, within this process: its scope closed without a grace
   * period (in-flight requests cut, the engine's fibers interrupted), then starts it again over the
   * same stores, database and downstreams. Resolves once it listens.
   */
  readonly restart: Effect.Effect<void>
}

/**
 * `orchestraTestServer`'s composition on a fixed loopback port that outlives its lives, so that
 * clients keep one address across restarts (as a load balancer's clients would). Each life is
 * built in a scope of its own; the last one is stopped with the caller's scope.
 */
export const restartableOrchestra = (
  env: Record<string, string>,
  logs: LogCapture,
  options: OrchestraOptions = {}
): Effect.Effect<RestartableOrchestra, never, Scope.Scope> =>
  Effect.gen(function* () {
    const port = yield* freePort
    // No graceful wait: a restart is a crash, so in-flight requests are interrupted at once.
    const httpServer = NodeHttpServer.layer(createServer, { port, host: "127.0.0.1", disablePreemptiveShutdown: true })
    const layer = orchestraServerOn({ ...env, PORT: String(port) }, logs, httpServer, options)
    let life = 0
    let current: Scope.Closeable | undefined
    const start = Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(layer, scope).pipe(Effect.orDie)
      current = scope
      life++
    })
    const stop = Effect.suspend(() => {
      const scope = current
      if (scope === undefined) return Effect.void
      current = undefined
      life++
      return Scope.close(scope, Exit.void)
    })
    yield* Effect.addFinalizer(() => stop)
    yield* start
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      life: () => life,
      up: () => current !== undefined,
      awaitUp: waitUntil("the orchestrator to listen again", Effect.sync(() => current !== undefined), 1_200),
      restart: Effect.andThen(stop, start)
    }
  })

const Net = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })

/** The cart's net payable from a cart answer (items, update, get). */
export const netPayableOf = (answer: Answer) => Schema.decodeUnknownSync(Net)(answer.json).cart.totals.net_payable

/** Cash on delivery for the whole amount: the checkout that needs no gateway and no wallet. */
export const codOrder = (total: number) => ({
  payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
  total_order_amount: total
})

/** The whole amount through the PhonePe gateway: the checkout waits for the gateway's webhook. */
export const gatewayOrder = (total: number) => ({
  payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }],
  total_order_amount: total
})

/**
 * Empties the owner's cart, adds `quantity` screen protectors and picks the pickup hub: a cart
 * ready to place. Returns the last answer, whose totals the order must pay.
 */
export const readyCart = (headers: Record<string, string>, quantity = 1) =>
  Effect.gen(function* () {
    yield* send("DELETE", "/cart", { headers })
    yield* send("POST", "/cart/items", { headers, body: { operations: [{ op: "ADD", product_id: "prod_screen", quantity }] } })
    return yield* send("PUT", "/cart", { headers, body: { pickup_point: { pickup_point_id: "pickup_1" } } })
  })
