import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { ServerConfig } from "../src/config/ServerConfig.ts"
import { orchestraOn } from "../src/server/Server.ts"
import { silentLogs } from "./support/logs.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { send } from "./support/server.ts"

/** The production composition on the test server: real flows over the sandbox, memory or Redis stores. */
const sandbox = (env: Record<string, string>) =>
  Layer.unwrap(Effect.map(ServerConfig.load, (config) => orchestraOn(config, NodeHttpServer.layerTest))).pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provide(silentLogs)
  )

const Line = Schema.Struct({ product_id: Schema.String, quantity: Schema.Int })
const Answer = Schema.Struct({
  cart: Schema.Struct({ items: Schema.Array(Line), coupons: Schema.optional(Schema.Array(Schema.Struct({ code: Schema.String }))) }),
  merged_from_guest: Schema.optional(
    Schema.Struct({
      guest_cart_id: Schema.String,
      lines: Schema.Array(
        Schema.Struct({
          product_id: Schema.String,
          quantity_requested: Schema.Int,
          quantity_merged: Schema.Int,
          status: Schema.String,
          code: Schema.optional(Schema.String)
        })
      ),
      coupons: Schema.Array(Schema.Struct({ code: Schema.String, status: Schema.String })),
      warnings: Schema.Array(Schema.Struct({ code: Schema.String }))
    })
  )
})
const decode = Schema.decodeUnknownSync(Answer)
const quantities = (items: ReadonlyArray<{ readonly product_id: string; readonly quantity: number }>) =>
  Object.fromEntries(items.map((line) => [line.product_id, line.quantity]))

const people = () => {
  const customer = { "x-domain-id": "dom_demo", "x-customer-id": freshId("cust") }
  const guest = { "x-domain-id": "dom_demo", "x-session-id": freshId("sess") }
  return { customer, guest, signedIn: { ...customer, "x-session-id": guest["x-session-id"] } }
}

const add = (headers: Record<string, string>, operations: ReadonlyArray<unknown>) =>
  Effect.tap(send("POST", "/cart/items", { headers, body: { operations } }), (answer) => Effect.sync(() => expect(answer.status).toBe(200)))

const suite = (name: string, env: Record<string, string>, skip: boolean) =>
  describe.skipIf(skip)(name, () => {
    it.live("the first request with both headers merges the guest cart and says so; the guest cart is gone; later requests do not merge again", () =>
      Effect.gen(function* () {
        const { customer, guest, signedIn } = people()
        // The customer has 2 phones (max_per_order 3); the guest 2 phones, 2 cases and a coupon.
        yield* add(customer, [{ op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 2 }])
        yield* add(guest, [
          { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 2 },
          { op: "ADD", product_id: "prod_case", quantity: 2 }
        ])
        expect((yield* send("PUT", "/cart", { headers: guest, body: { coupons: [{ code: "SAVE20" }] } })).status).toBe(200)

        const first = yield* send("GET", "/cart", { headers: signedIn })
        expect(first.status).toBe(200)
        const answer = decode(first.json)
        expect(quantities(answer.cart.items)).toEqual({ prod_phone: 3, prod_case: 2 })
        expect(answer.merged_from_guest?.lines).toEqual([
          expect.objectContaining({ product_id: "prod_phone", quantity_requested: 2, quantity_merged: 1, status: "PARTIAL", code: "QUANTITY_LIMIT" }),
          expect.objectContaining({ product_id: "prod_case", quantity_requested: 2, quantity_merged: 2, status: "MERGED" })
        ])
        expect(answer.merged_from_guest?.coupons).toEqual([{ code: "SAVE20", status: "KEPT" }])
        expect(answer.merged_from_guest?.warnings.map((w) => w.code)).toEqual(["GUEST_LINE_PARTIALLY_MERGED"])
        expect(answer.cart.coupons?.map((c) => c.code)).toEqual(["SAVE20"])

        // The guest's cart is gone (a GET answers an empty cart), the next request merges nothing.
        expect(decode((yield* send("GET", "/cart?compute=false", { headers: guest })).json).cart.items).toEqual([])
        const second = decode((yield* send("POST", "/cart/items", { headers: signedIn, body: { operations: [{ op: "ADD", product_id: "prod_mug", quantity: 1 }] } })).json)
        expect(second.merged_from_guest).toBeUndefined()
        expect(quantities(second.cart.items)).toEqual({ prod_phone: 3, prod_case: 2, prod_mug: 1 })

        // Signed out, the session adds again; signed in again, that is merged too.
        yield* add(guest, [{ op: "ADD", product_id: "prod_case", quantity: 1 }])
        const again = decode((yield* send("GET", "/cart?compute=false", { headers: signedIn })).json)
        expect(again.merged_from_guest?.lines.map((l) => l.status)).toEqual(["MERGED"])
        expect(quantities(again.cart.items)).toEqual({ prod_phone: 3, prod_case: 3, prod_mug: 1 })
      }).pipe(Effect.provide(sandbox(env)))
    )

    it.live("ten concurrent first requests merge once: one answer carries merged_from_guest, the lines are there once", () =>
      Effect.gen(function* () {
        const { customer, guest, signedIn } = people()
        yield* add(customer, [{ op: "ADD", product_id: "prod_screen", quantity: 1 }])
        yield* add(guest, [
          { op: "ADD", product_id: "prod_screen", quantity: 2 },
          { op: "ADD", product_id: "prod_mug", quantity: 1 }
        ])
        const answers = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, i) => i),
          (i) =>
            Effect.gen(function* () {
              // A client retries CART_BUSY; each of these is a first request of the signed-in customer.
              for (let attempt = 0; attempt < 50; attempt++) {
                const answer =
                  i % 2 === 0
                    ? yield* send("GET", "/cart", { headers: signedIn })
                    : yield* send("POST", "/cart/items?compute=false", { headers: signedIn, body: { operations: [{ op: "ADD", product_id: "prod_case", quantity: 1 }] } })
                if (answer.status !== 409) return answer
              }
              return yield* Effect.die(new Error("stayed CART_BUSY"))
            }),
          { concurrency: "unbounded" }
        )
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
        expect(answers.filter((a) => decode(a.json).merged_from_guest !== undefined)).toHaveLength(1)
        const cart = decode((yield* send("GET", "/cart", { headers: customer })).json).cart
        expect(quantities(cart.items)).toEqual({ prod_screen: 3, prod_mug: 1, prod_case: 5 })
      }).pipe(Effect.provide(sandbox(env)))
    )
  })

suite("guest cart merge on sign-in (memory stores)", {}, false)
suite("guest cart merge on sign-in (Redis stores)", { REDIS_URL: redisUrl }, skipRedis)
