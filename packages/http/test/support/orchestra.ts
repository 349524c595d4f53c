import { NodeHttpServer } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.ts"
import { type OrchestraOptions, orchestraOn } from "../../src/server/Server.ts"
import { type LogCapture, makeLogCapture } from "./logs.ts"
import { type Answer, send } from "./server.ts"

/**
 * The production composition (real flows, the stores the environment picks, resilience,
 * observability) on the in-process test server, configured by `env` only.
 */
export const orchestraTestServer = (env: Record<string, string>, logs: LogCapture = makeLogCapture(), options: OrchestraOptions = {}) =>
  Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest, options))).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provide(logs.layer)
  )

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
