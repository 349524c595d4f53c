import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Ids from "@orchestra/core/domain/Ids"
import { Currency } from "@orchestra/core/domain/Money"
import { CartService } from "@orchestra/core/services/Cart"
import { LiveDownstreams } from "@orchestra/core/services/index"
import { HttpServer } from "effect/http"
import { Fault } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { checkInteractions } from "../../src/replay/checkInteractions.ts"
import type { Fixture } from "../../src/replay/Fixture.ts"
import { makeRecordingSink, recordingLayer } from "../../src/replay/RecordingHttpClient.ts"
import { Replay, replayLayer } from "../../src/replay/ReplayHttpClient.ts"
import { Sandbox } from "../../src/sandbox/Sandbox.ts"
import { SandboxServer, sandboxServiceUrls } from "../../src/sandbox/SandboxServer.ts"

const sink = makeRecordingSink()

/** The live client layers over real HTTP to the sandbox server, through the recording client. */
const Recorded = Layer.unwrap(
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return LiveDownstreams.pipe(
      Layer.provide(recordingLayer(sink)),
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(sandboxServiceUrls(`http://127.0.0.1:${port}`))))
    )
  })
).pipe(Layer.provideMerge(SandboxServer(0)), Layer.provideMerge(Layer.merge(Sandbox.layer, FaultInjector.layer)))

const key = { domain_id: Ids.DomainId.make("dom_demo"), customer_id: Ids.CustomerId.make("cust_rec"), cart_type: "DEFAULT" as const }

// Real time: the recorder measures wall-clock latency against a real server.
layer(Recorded, { excludeTestServices: true })("recording at the HttpClient level", (it) => {
  it.effect("writes each call with its status, body and latency, and what it wrote replays to the same answers", () =>
    Effect.gen(function* () {
      const cart = yield* CartService
      sink.interactions.length = 0
      sink.on = true
      const missing = yield* Effect.flip(cart.find({ payload: key }))
      const created = yield* cart.findOrCreate({ payload: { ...key, currency: Currency.make("INR") } })
      sink.on = false
      yield* cart.find({ payload: key }) // not recorded: the sink is off
      assert.strictEqual(missing._tag, "ResourceNotFound")
      assert.deepStrictEqual(
        sink.interactions.map((i) => [i.service, i.endpoint, i.method, i.path, i.status]),
        [
          ["cart", "find", "POST", "/api/carts/find", 404],
          ["cart", "findOrCreate", "POST", "/api/carts/find-or-create", 200]
        ]
      )
      assert.deepStrictEqual(sink.interactions[0]?.request_body, key)
      assert.deepInclude(sink.interactions[0]?.response_body, { _tag: "ResourceNotFound" })
      assert.isAbove(sink.interactions[1]?.latency_ms ?? 0, 0)

      const fixture: Fixture = {
        flow: "get-cart",
        recorded_at: new Date().toISOString(),
        request: { query: {}, identity: { domain_id: "dom_demo", customer_id: "cust_rec" } },
        interactions: [...sink.interactions]
      }
      assert.deepStrictEqual(checkInteractions(fixture), [])
      const replayed = yield* Effect.gen(function* () {
        const replayCart = yield* CartService
        const again = yield* Effect.flip(replayCart.find({ payload: key }))
        const same = yield* replayCart.findOrCreate({ payload: { ...key, currency: Currency.make("INR") } })
        return { again, same, entries: (yield* Replay).entries() }
      }).pipe(
        Effect.provide(
          LiveDownstreams.pipe(
            Layer.provideMerge(replayLayer(fixture, { honourLatency: false, approximate: false })),
            Layer.provide(FaultInjector.layer),
            Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(sandboxServiceUrls("http://replay.invalid"))))
          ),
          // Not the recording client layers this suite is already running in.
          { local: true }
        )
      )
      assert.strictEqual(replayed.again._tag, "ResourceNotFound")
      assert.deepStrictEqual(replayed.same, created)
    })
  )

  it.effect("a call that never answers is recorded with status null once the caller gives up", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "cart.find", fault: Fault.Timeout(), rate: 1 }])
      sink.interactions.length = 0
      sink.on = true
      const outcome = yield* Effect.timeoutOption((yield* CartService).find({ payload: key }), "200 millis")
      sink.on = false
      yield* injector.clear
      assert.strictEqual(outcome._tag, "None")
      assert.strictEqual(sink.interactions.length, 1)
      assert.deepInclude(sink.interactions[0], { endpoint: "find", status: null, response_body: null })
      assert.isAtLeast(sink.interactions[0]?.latency_ms ?? 0, 150)
      assert.strictEqual(sink.inFlight.count, 0)
    })
  )
})
