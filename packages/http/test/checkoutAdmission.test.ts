
import { describe, expect, it } from "@effect/vitest"
import { type CallGate, Fault, makeGate, openGate } from "@orchestra/testkit/faults/Fault"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { Deferred, Effect, Fiber, Schema } from "effect"
import { MemoryStores } from "../src/server/Stores.ts"
import { inspectableOn } from "./support/inspectable.ts"
import { type Answer, send } from "./support/server.ts"

const inspectableWith = (env: Record<string, string>) => inspectableOn(MemoryStores, env)

const Net = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })
const Placed = Schema.Struct({ order: Schema.Struct({ id: Schema.String, order_status: Schema.String }) })

const shopper = (n: number) => ({ "x-domain-id": "dom_demo", "x-customer-id": `cust_adm_${n}` })

/** A cart ready to place (two screen protectors, the pickup hub); its net payable. */
const readyCart = (headers: Record<string, string>) =>
  Effect.gen(function* () {
    yield* send("DELETE", "/cart", { headers })
    yield* send("POST", "/cart/items", { headers, body: { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 2 }] } })
    const updated = yield* send("PUT", "/cart", { headers, body: { pickup_point: { pickup_point_id: "pickup_1" } } })
    return Schema.decodeUnknownSync(Net)(updated.json).cart.totals.net_payable
  })

const codBody = (net: number) => ({
  payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }],
  total_order_amount: net
})

/** Holds the next checkout to reach `order.createMaster` (its stock reserved already) at a gate of its own. */
const holdNext = Effect.gen(function* () {
  const injector = yield* FaultInjector
  const gate = yield* makeGate
  yield* injector.set([{ target: "order.createMaster", fault: Fault.Hold({ gate, point: "before" }), rate: 1 }])
  return gate
})

const liveReservations = Effect.gen(function* () {
  const sandbox = yield* Sandbox
  return (yield* sandbox.simulators.inventory.reservations()).filter((r) => r.status !== "RELEASED")
})

describe("checkout admission", () => {
  it.live("past N checkouts started and unanswered, a new key is 503 OVERLOADED before anything is written; the same key succeeds later", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox
      const injector = yield* FaultInjector
      const nets = yield* Effect.forEach([1, 2, 3], (n) => readyCart(shopper(n)))
      const place = (n: number, key: string) =>
        send("POST", "/cart/place-order", { headers: { ...shopper(n), "idempotency-key": key }, body: codBody(nets[n - 1]!) })
      const gates: Array<CallGate> = []
      const starters: Array<Fiber.Fiber<Answer, unknown>> = []
      for (const n of [1, 2]) {
        const gate = yield* holdNext
        gates.push(gate)
        starters.push(yield* Effect.forkChild(place(n, `adm-${n}`)))
        yield* Deferred.await(gate.reached)
      }
      yield* injector.clear

      const refused = yield* place(3, "adm-3")
      expect(refused.status).toBe(503)
      expect(refused.json).toMatchObject({ error: { code: "OVERLOADED" } })
      expect(refused.headers["retry-after"]).toBe("1")
      // Nothing of the refused checkout: no order, no reservation beyond the two held checkouts'.
      expect(sandbox.simulators.order.orders()).toHaveLength(0)
      expect(yield* liveReservations).toHaveLength(2)

      const metrics = yield* send("GET", "/metrics")
      expect(metrics.text).toMatch(/^orchestra_admission_checkouts_limit(\{[^}]*\})? 2$/m)
      expect(metrics.text).toMatch(/^orchestra_admission_checkouts_starting(\{[^}]*\})? 2$/m)
      expect(metrics.text).toMatch(/^orchestra_admission_checkouts_refused_total(\{[^}]*\})? 1$/m)

      yield* Effect.forEach(gates, openGate, { discard: true })
      // A starter's slot is given back before its answer is handed on: once both answered, both are free.
      for (const starter of starters) expect((yield* Fiber.join(starter)).status).toBe(200)
      // The key was never claimed: it starts its checkout now, as a first request (not a replay).
      const later = yield* place(3, "adm-3")
      expect(later.status).toBe(200)
      expect(later.headers["idempotent-replayed"]).toBeUndefined()
      expect(Schema.decodeUnknownSync(Placed)(later.json).order.order_status).toBe("CONFIRMED")
      expect(sandbox.simulators.order.orders()).toHaveLength(3)
    }).pipe(
      Effect.provide(
        inspectableWith({ ORCHESTRA_MAX_STARTING_CHECKOUTS: "2", ORCHESTRA_REQUEST_DEADLINE_MS: "60000", ORCHESTRA_WRITE_TIMEOUT_MS: "60000" })
      )
    )
  )

  it.live("a checkout whose request ended keeps its slot until it answers; its key is still served at the limit", () =>
    Effect.gen(function* () {
      const injector = yield* FaultInjector
      const firstNet = yield* readyCart(shopper(1))
      const secondNet = yield* readyCart(shopper(2))
      const first = { headers: { ...shopper(1), "idempotency-key": "adm-kept-1" }, body: codBody(firstNet) }
      const gate = yield* holdNext
      // The request's deadline (300 ms) passes while its checkout is held: 409, the checkout still running.
      const running = yield* send("POST", "/cart/place-order", first)
      expect(running.status).toBe(409)
      yield* Deferred.await(gate.reached)
      yield* injector.clear

      const refused = yield* send("POST", "/cart/place-order", {
        headers: { ...shopper(2), "idempotency-key": "adm-kept-2" },
        body: codBody(secondNet)
      })
      expect(refused.status).toBe(503)
      expect(refused.json).toMatchObject({ error: { code: "OVERLOADED" } })
      // The started key is asked about, not refused.
      const again = yield* send("POST", "/cart/place-order", first)
      expect(again.status).toBe(409)
      expect(again.json).toMatchObject({ error: { code: "IDEMPOTENCY_IN_PROGRESS" } })

      yield* openGate(gate)
      const answered = yield* send("POST", "/cart/place-order", first)
      expect(answered.status).toBe(200)
      expect(answered.headers["idempotent-replayed"]).toBe("true")
    }).pipe(
      Effect.provide(
        inspectableWith({ ORCHESTRA_MAX_STARTING_CHECKOUTS: "1", ORCHESTRA_REQUEST_DEADLINE_MS: "300", ORCHESTRA_WRITE_TIMEOUT_MS: "60000" })
      )
    )
  )
})
