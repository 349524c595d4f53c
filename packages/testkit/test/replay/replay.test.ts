import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer } from "effect"
import * as Ids from "@orchestra/core/domain/Ids"
import { CartService } from "@orchestra/core/services/Cart"
import { InventoryService } from "@orchestra/core/services/Inventory"
import { LiveDownstreams } from "@orchestra/core/services/index"
import { Fault, type FaultRule } from "../../src/faults/Fault.ts"
import { FaultInjector } from "../../src/faults/FaultInjector.ts"
import { decodeFixture, type Fixture } from "../../src/replay/Fixture.ts"
import { Replay, ReplayMiss, replayLayer } from "../../src/replay/ReplayHttpClient.ts"
import { sandboxServiceUrls } from "../../src/sandbox/SandboxServer.ts"

const fixtureFile = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url))

/** The delete-cart fixture: cart.find, cart.remove, inventory.releaseReservations, all answered 200. */
const deleteCart: Fixture = Effect.runSync(decodeFixture(readFileSync(fixtureFile("delete-cart.json"), "utf8")))

/** The live client layers (the production path) over a replaying HttpClient. */
const overReplay = (fixture: Fixture, faults: ReadonlyArray<FaultRule> = []) =>
  LiveDownstreams.pipe(
    Layer.provideMerge(replayLayer(fixture, { honourLatency: false, approximate: false })),
    Layer.provide(FaultInjector.make({ rules: faults })),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(sandboxServiceUrls("http://replay.invalid"))))
  )

const key = { domain_id: Ids.DomainId.make("dom_demo"), customer_id: Ids.CustomerId.make("cust_1"), cart_type: "DEFAULT" as const }

describe("replay at the HttpClient level", () => {
  it.effect("answers each call from the fixture through the real client, decoding per contract", () =>
    Effect.gen(function* () {
      const cart = yield* (yield* CartService).find({ payload: key })
      assert.strictEqual(cart.cart_id, "cart_1")
      const released = yield* (yield* InventoryService).releaseReservations({ payload: { cart_id: Ids.CartId.make("cart_1") } })
      assert.deepStrictEqual(released, { released: 0 })
      const entries = (yield* Replay).entries()
      assert.deepStrictEqual(
        entries.map((e) => [e.step, e.answer, e.source]),
        [
          ["cart.find", 200, "fixture"],
          ["inventory.releaseReservations", 200, "fixture"]
        ]
      )
      assert.deepStrictEqual((yield* Replay).unused().map((i) => i.endpoint), ["remove"])
    }).pipe(Effect.provide(overReplay(deleteCart)))
  )

  it.effect("interactions are used in order; once used up, the last one answers again (a retry)", () => {
    const first = deleteCart.interactions[0]!
    const fixture: Fixture = {
      ...deleteCart,
      interactions: [{ ...first, status: 503, response_body: { error: "busy" } }, first]
    }
    return Effect.gen(function* () {
      const cart = yield* CartService
      const failed = yield* Effect.flip(cart.find({ payload: key }))
      assert.deepInclude(failed, { _tag: "DownstreamFailure", status: 503 })
      assert.strictEqual((yield* cart.find({ payload: key })).cart_id, "cart_1")
      assert.strictEqual((yield* cart.find({ payload: key })).cart_id, "cart_1")
    }).pipe(Effect.provide(overReplay(fixture)))
  })

  it.effect("a call the fixture lacks stops with a ReplayMiss naming the call and the closest recorded one", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit((yield* CartService).find({ payload: { ...key, customer_id: Ids.CustomerId.make("cust_2") } }))
      assert.isTrue(Exit.isFailure(exit))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(defect, ReplayMiss)
      if (defect instanceof ReplayMiss) {
        assert.strictEqual(defect.call, "cart.find (POST /api/carts/find)")
        assert.include(defect.message, 'body differs at $.customer_id: sent "cust_2", recorded "cust_1"')
      }
      assert.strictEqual((yield* Replay).misses().length, 1)
    }).pipe(Effect.provide(overReplay(deleteCart)))
  )

  it.effect("a what-if error answers instead of the fixture, as the sandbox's faults do", () =>
    Effect.gen(function* () {
      const failed = yield* Effect.flip((yield* CartService).find({ payload: key }))
      assert.deepInclude(failed, { _tag: "DownstreamFailure", status: 503 })
      assert.deepStrictEqual(
        (yield* Replay).entries().map((e) => [e.step, e.answer, e.source]),
        [["cart.find", 503, "what-if"]]
      )
    }).pipe(Effect.provide(overReplay(deleteCart, [{ target: "cart.find", fault: Fault.Error({ status: 503 }), rate: 1 }])))
  )
})
