import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { ServerConfig } from "../src/config/ServerConfig.ts"
import { SANDBOX_WEBHOOK_SECRET, signWebhook } from "../src/middleware/WebhookSignature.ts"
import { orchestraOn } from "../src/server/Server.ts"
import { silentLogs } from "./support/logs.ts"
import { send } from "./support/server.ts"

/** The production composition (real flows over the sandbox simulators, memory stores) on the test server. */
const sandbox = Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest))).pipe(
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))),
  Layer.provide(silentLogs)
)

const shopper = { "x-domain-id": "dom_demo", "x-customer-id": "cust_webhook_fields" }

const Net = Schema.Struct({ cart: Schema.Struct({ totals: Schema.Struct({ net_payable: Schema.Number }) }) })
const Placed = Schema.Struct({
  payment: Schema.Array(Schema.Struct({ amount: Schema.Number, gateway_order_id: Schema.String }))
})

const webhook = (body: unknown) => {
  const raw = JSON.stringify(body)
  return send("POST", "/payments/webhooks/phonepe", { headers: signWebhook(SANDBOX_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw), body: raw })
}

/** What a gateway that grew its payload might add: fields at the top and inside objects we never read. */
const gatewayExtras = { merchant_id: "M123", payment_instrument: { type: "UPI", utr: "4312" }, retries: 0 }

describe("payment webhook payload", () => {
  it.live("a gateway's extra fields are ignored: the signed webhook completes the order", () =>
    Effect.gen(function* () {
      yield* send("DELETE", "/cart", { headers: shopper })
      yield* send("POST", "/cart/items", { headers: shopper, body: { operations: [{ op: "ADD", product_id: "prod_mug", quantity: 1 }] } })
      const updated = yield* send("PUT", "/cart", { headers: shopper, body: { pickup_point: { pickup_point_id: "pickup_1" } } })
      const net = Schema.decodeUnknownSync(Net)(updated.json).cart.totals.net_payable
      const placed = yield* send("POST", "/cart/place-order", {
        headers: { ...shopper, "idempotency-key": `order-${Date.now()}` },
        body: { payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" }], total_order_amount: net }
      })
      expect(placed.status).toBe(200)
      const [payment] = Schema.decodeUnknownSync(Placed)(placed.json).payment
      const confirmed = yield* webhook({
        event_id: `evt-${Date.now()}`,
        gateway_order_id: payment!.gateway_order_id,
        status: "SUCCESS",
        amount: payment!.amount,
        currency: "INR",
        ...gatewayExtras
      })
      expect(confirmed.status).toBe(200)
      expect(confirmed.json).toMatchObject({ success: true, duplicate: false, outcome: "COMPLETED" })
    }).pipe(Effect.provide(sandbox))
  )

  it.live("the fields we use are still validated, each named by its path, whatever else is sent", () =>
    Effect.gen(function* () {
      const answer = yield* webhook({
        event_id: "evt-bad",
        gateway_order_id: "phonepe_nope",
        status: "SUCCESS",
        amount: 1.234,
        currency: "inr",
        ...gatewayExtras
      })
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({
        success: false,
        error: { code: "INVALID_REQUEST", details: [{ path: ["amount"] }, { path: ["currency"] }] }
      })
      expect(answer.text).toContain("request body field amount:")
      expect(answer.text).not.toContain("merchant_id")
    }).pipe(Effect.provide(sandbox))
  )
})
