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

const CartBody = Schema.Struct({
  cart: Schema.Struct({
    version: Schema.Number,
    items: Schema.Array(Schema.Struct({ product_id: Schema.String, variant_id: Schema.optional(Schema.String), quantity: Schema.Number }))
  })
})
const cartOf = (json: unknown) => Schema.decodeUnknownSync(CartBody)(json).cart

const eightLines = [
  { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1 },
  { op: "ADD", product_id: "prod_case", quantity: 1 },
  { op: "ADD", product_id: "prod_screen", quantity: 1 },
  { op: "ADD", product_id: "prod_premium_case", quantity: 1 },
  { op: "ADD", product_id: "prod_earbuds", quantity: 1 },
  { op: "ADD", product_id: "prod_tshirt", variant_id: "var_s", quantity: 1 },
  { op: "ADD", product_id: "prod_tshirt", variant_id: "var_m", quantity: 1 },
  { op: "ADD", product_id: "prod_mug", quantity: 1 }
]

/**
 * An add as a careful client sends it: under its own Idempotency-Key, sent again with that key
 * while the answer is 409 CART_BUSY ("try again"), so how long the others hold the cart on a
 * loaded machine changes when it lands, never whether it lands or how often.
 */
const addUntilApplied = (path: string, owner: Record<string, string>, body: unknown) =>
  Effect.gen(function* () {
    const headers = { ...owner, "idempotency-key": crypto.randomUUID() }
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = yield* send("POST", path, { headers, body })
      if (answer.status !== 409) return answer
    }
    return yield* Effect.die(new Error(`${path} stayed CART_BUSY for 50 attempts`))
  })

const suite = (name: string, env: Record<string, string>, skip: boolean) =>
  describe.skipIf(skip)(name, () => {
    it.live("8 concurrent ADDs of different products all land", () =>
      Effect.gen(function* () {
        const owner = { "x-domain-id": "dom_demo", "x-customer-id": freshId("cust") }
        const answers = yield* Effect.forEach(
          eightLines,
          (operation) => addUntilApplied("/cart/items", owner, { operations: [operation] }),
          { concurrency: "unbounded" }
        )
        expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200))
        const cart = cartOf((yield* send("GET", "/cart", { headers: owner })).json)
        expect(cart.items).toHaveLength(8)
        expect(cart.items.every((line) => line.quantity === 1)).toBe(true)
      }).pipe(Effect.provide(sandbox(env)))
    )

    it.live("10 concurrent ADDs of one product give quantity 10, and the cache serves the last version (or misses)", () =>
      Effect.gen(function* () {
        const owner = { "x-domain-id": "dom_demo", "x-customer-id": freshId("cust") }
        const add = { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 1 }] }
        const answers = yield* Effect.forEach(
          Array.from({ length: 10 }, () => add),
          (body, i) => addUntilApplied(i % 2 === 0 ? "/cart/items" : "/cart/items?compute=false", owner, body),
          { concurrency: "unbounded" }
        )
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
        const latest = Math.max(...answers.map((a) => cartOf(a.json).version))
        const cached = yield* send("GET", "/cart?compute=false", { headers: owner })
        // A memory cache misses no write. Over Redis, a command that timed out on a loaded machine
        // starts a new cache epoch (nothing older is served): then the answer is a miss, never older.
        if (!("REDIS_URL" in env)) expect(cached.json).toMatchObject({ from_cache: true })
        const cart = cartOf(cached.json)
        expect(cart.version).toBe(latest)
        expect(cart.items).toEqual([{ product_id: "prod_screen", quantity: 10 }].map((l) => expect.objectContaining(l)))
      }).pipe(Effect.provide(sandbox(env)))
    )
  })

suite("concurrent mutations (memory stores)", {}, false)
suite("concurrent mutations (Redis stores)", { REDIS_URL: redisUrl }, skipRedis)
