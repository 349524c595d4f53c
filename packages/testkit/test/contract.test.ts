import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Ids from "@orchestra/core/domain/Ids"
import { CartService } from "@orchestra/core/services/Cart"
import { contractChecks } from "../src/contract/contractChecks.ts"
import { Fault } from "../src/faults/Fault.ts"
import { FaultInjector } from "../src/faults/FaultInjector.ts"
import { downstreamGroups } from "../src/replay/ContractRoutes.ts"
import { Sandbox } from "../src/sandbox/Sandbox.ts"
import { LiveDownstreamsOverSandbox } from "../src/sandbox/SandboxServer.ts"

const everyEndpoint = Object.entries(downstreamGroups).flatMap(([service, group]) =>
  Object.keys(group.endpoints).map((endpoint) => `${service}.${endpoint}`)
)

// Real time (no TestClock): the simulators date coupons by the clock.
// Live HTTP clients (the production code path) against the simulators served on a loopback port.
const Env = LiveDownstreamsOverSandbox.pipe(Layer.provideMerge(Layer.merge(Sandbox.layer, FaultInjector.layer)))

layer(Env, { excludeTestServices: true })("downstream contracts over loopback HTTP", (it) => {
  it.effect("every endpoint of every service answers per its contract", () =>
    Effect.gen(function* () {
      for (const check of contractChecks) {
        yield* check.run.pipe(Effect.mapError((error) => new Error(`${check.step}: ${String(error)}`)))
      }
      const called = new Set((yield* FaultInjector).calls())
      const missed = everyEndpoint.filter((step) => !called.has(step))
      assert.deepStrictEqual(missed, [], "endpoints no contract check called")
      assert.strictEqual(everyEndpoint.length, 43)
    })
  )

  it.effect("a 5xx from the service reaches the client as a DownstreamFailure naming the call", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      yield* injector.set([{ target: "cart.find", fault: Fault.Error({ status: 503 }), rate: 1 }])
      const error = yield* Effect.flip(
        (yield* CartService).find({
          payload: { domain_id: Ids.DomainId.make("dom_demo"), customer_id: Ids.CustomerId.make("cust_1"), cart_type: "DEFAULT" }
        })
      )
      yield* injector.clear
      assert.strictEqual(error._tag, "DownstreamFailure")
      if (error._tag === "DownstreamFailure") {
        assert.deepInclude(error, { service: "cart", endpoint: "find", reason: "Status", status: 503 })
      }
    })
  )

  it.effect("a declared 404 keeps its tag across HTTP", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        (yield* CartService).find({
          payload: { domain_id: Ids.DomainId.make("dom_demo"), session_id: Ids.SessionId.make("nobody"), cart_type: "BUY_NOW" }
        })
      )
      assert.strictEqual(error._tag, "ResourceNotFound")
    })
  )
})

