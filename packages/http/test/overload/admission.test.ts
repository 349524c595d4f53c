import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, Schema } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { Admission } from "../../src/overload/Admission.ts"
import { HttpApp } from "../../src/server/HttpApp.ts"
import { gatedServerLayer } from "../../src/server/Server.ts"
import { MemoryStores } from "../../src/server/Stores.ts"
import { makeLogCapture } from "../support/logs.ts"
import { customer, send } from "../support/server.ts"
import { TestFlows } from "../support/TestFlows.ts"

const OverloadedBody = Schema.Struct({
  success: Schema.Literal(false),
  error: Schema.Struct({ code: Schema.Literal("OVERLOADED"), message: Schema.String }),
  request_id: Schema.String
})

/**
 * The real HTTP app on a real Node server behind the admission gate (one request in flight, no
 * line), over test flows whose GET /cart holds until the test lets it go.
 */
const gatedApp = (entered: Deferred.Deferred<void>, release: Deferred.Deferred<void>) =>
  Layer.unwrap(
    Effect.map(ServerConfig.load, (config) => {
      const { httpServer, admission } = gatedServerLayer(config, { maxInFlight: 1, queue: 0 })
      return HttpApp.pipe(
        Layer.provideMerge(
          TestFlows((call) => (call.flow === "getFull" ? Effect.andThen(Deferred.succeed(entered, undefined), Deferred.await(release)) : Effect.void))
        ),
        Layer.provide(MemoryStores),
        Layer.provide(Layer.succeed(ServerConfig, config)),
        Layer.provide(admission === undefined ? Layer.empty : Layer.succeed(Admission, admission)),
        Layer.provideMerge(HttpServer.layerTestClient.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(httpServer)))
      )
    })
  ).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ PORT: "0" }))),
    Layer.provide(makeLogCapture().layer)
  )

describe("admission control at the edge", () => {
  it.live("past the limit a request is answered 503 OVERLOADED with Retry-After, unrun; probes and metrics still answer", () =>
    Effect.gen(function* () {
      const entered = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      return yield* Effect.gen(function* () {
        const first = yield* Effect.forkChild(send("GET", "/cart", { headers: customer }))
        yield* Deferred.await(entered)

        const refused = yield* send("GET", "/cart", { headers: { ...customer, "x-request-id": "req-over-1" } })
        expect(refused.status).toBe(503)
        expect(refused.headers["retry-after"]).toBe("1")
        expect(refused.headers["x-request-id"]).toBe("req-over-1")
        expect(Schema.decodeUnknownSync(OverloadedBody)(refused.json)).toMatchObject({ request_id: "req-over-1" })
        const mutation = yield* send("POST", "/cart/items", { headers: customer, body: { operations: [] } })
        expect(mutation.status).toBe(503)

        expect((yield* send("GET", "/health")).status).toBe(200)
        expect((yield* send("GET", "/ready")).status).toBe(200)
        const metrics = yield* send("GET", "/metrics")
        expect(metrics.status).toBe(200)
        expect(metrics.text).toMatch(/orchestra_admission_refused_total\{reason="queue_full"\} 2\b/)
        expect(metrics.text).toMatch(/orchestra_admission_in_flight 1\b/)
        expect(metrics.text).toMatch(/orchestra_admission_limit 1\b/)

        yield* Deferred.succeed(release, undefined)
        expect((yield* Fiber.join(first)).status).toBe(200)
        // The slot is back: the next request runs.
        expect((yield* send("GET", "/cart", { headers: customer })).status).toBe(200)
      }).pipe(Effect.provide(gatedApp(entered, release)))
    })
  )
})
