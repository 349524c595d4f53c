import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { ServerConfig } from "../src/config/ServerConfig.ts"
import { orchestraOn } from "../src/server/Server.ts"
import { silentLogs } from "./support/logs.ts"
import { send } from "./support/server.ts"

/** The production composition (real flows over the sandbox simulators, memory stores) on the test server. */
const sandbox = (env: Record<string, string> = {}) =>
  Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest))).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provide(silentLogs)
  )

const shopper = { "x-domain-id": "dom_demo", "x-customer-id": "cust_sandbox_http" }
const addCase = { operations: [{ op: "ADD", product_id: "prod_case", quantity: 2 }] }

const Totals = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ subtotal: Schema.Number }) }) })
const subtotalOf = (json: unknown) => Schema.decodeUnknownSync(Totals)(json).cart.totals.subtotal

describe("HTTP over the real flows and the sandbox", () => {
  it.live("a cart journey: add, read (full and cached), update, delete", () =>
    Effect.gen(function* () {
      const added = yield* send("POST", "/cart/items", { headers: shopper, body: addCase })
      expect(added.status).toBe(200)
      expect(added.json).toMatchObject({
        success: true,
        operations_applied: 1,
        results: [{ index: 0, operation: "ADD", status: "SUCCESS" }]
      })
      expect(subtotalOf(added.json)).toBe(598)

      const full = yield* send("GET", "/cart", { headers: shopper })
      expect(full.status).toBe(200)
      expect(full.json).toMatchObject({ success: true, stale: false })
      expect(subtotalOf(full.json)).toBe(598)

      const cached = yield* send("GET", "/cart?compute=false", { headers: shopper })
      expect(cached.status).toBe(200)
      expect(cached.json).toMatchObject({ success: true, from_cache: true })

      const updated = yield* send("PUT", "/cart", { headers: shopper, body: { tips: { amount: 20, currency: "INR" } } })
      expect(updated.status).toBe(200)
      expect(updated.json).toMatchObject({ success: true, validations: { tips: { status: "VALID" } } })

      const deleted = yield* send("DELETE", "/cart", { headers: shopper })
      expect(deleted.status).toBe(200)
      expect(deleted.json).toMatchObject({ success: true })

      const gone = yield* send("PUT", "/cart", { headers: shopper, body: { tips: { amount: 20, currency: "INR" } } })
      expect(gone.status).toBe(404)
      expect(gone.json).toMatchObject({ success: false, error: { code: "CART_NOT_FOUND" }, request_id: gone.headers["x-request-id"] })
    }).pipe(Effect.provide(sandbox()))
  )

  it.live("buy-now fills the BUY_NOW cart; the DEFAULT cart is untouched", () =>
    Effect.gen(function* () {
      const bought = yield* send("POST", "/buy-now", { headers: shopper, body: addCase })
      expect(bought.status).toBe(200)
      expect(bought.json).toMatchObject({ cart_type: "BUY_NOW", cart: { cart_type: "BUY_NOW" } })
      const buyNowCart = yield* send("GET", "/cart?cart_type=BUY_NOW", { headers: shopper })
      expect(subtotalOf(buyNowCart.json)).toBe(598)
      const defaultCart = yield* send("GET", "/cart", { headers: shopper })
      expect(subtotalOf(defaultCart.json)).toBe(0)
    }).pipe(Effect.provide(sandbox()))
  )

  it.live("a retried add with the same Idempotency-Key adds once", () =>
    Effect.gen(function* () {
      const headers = { ...shopper, "idempotency-key": "add-once" }
      yield* send("POST", "/cart/items", { headers, body: addCase })
      const replayed = yield* send("POST", "/cart/items", { headers, body: addCase })
      expect(replayed.headers["idempotent-replayed"]).toBe("true")
      expect(subtotalOf((yield* send("GET", "/cart", { headers: shopper })).json)).toBe(598)
    }).pipe(Effect.provide(sandbox()))
  )

  it.live("the debug trace shows the downstream steps the flow ran", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: { ...shopper, "x-debug-trace": "1" }, body: addCase })
      expect(answer.status).toBe(200)
      const { trace } = Schema.decodeUnknownSync(Schema.Struct({ trace: Schema.Array(Schema.Struct({ step: Schema.String })) }))(
        answer.json
      )
      expect(trace.map((record) => record.step)).toContain("cart.findOrCreate")
    }).pipe(Effect.provide(sandbox({ ORCHESTRA_DEBUG_TRACE: "true" })))
  )

  it.live("ORCHESTRA_SANDBOX_FAULTS reach the flows: a cart service down is a 503 naming it", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: shopper, body: addCase })
      expect(answer.status).toBe(503)
      expect(answer.json).toMatchObject({ success: false, error: { code: "DOWNSTREAM_UNAVAILABLE", service: "cart" } })
    }).pipe(Effect.provide(sandbox({ ORCHESTRA_SANDBOX_FAULTS: "cart.*=error:503" })))
  )
})
