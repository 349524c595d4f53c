import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { orchestraProcess } from "./support/processes.ts"
import { orchestraTestServer } from "./support/orchestra.ts"
import { freshId, redisUrl, skipRedis } from "./support/redis.ts"
import { type Answer, send, testServer } from "./support/server.ts"
import { FlowCalls } from "./support/TestFlows.ts"

const RateLimitedBody = Schema.Struct({
  success: Schema.Literal(false),
  error: Schema.Struct({
    code: Schema.Literal("RATE_LIMITED"),
    message: Schema.String,
    details: Schema.Struct({ limit: Schema.String, retry_after_s: Schema.Int })
  })
})

/** The limit a 429 names, after checking the whole answer: body shape and a `Retry-After` that matches it. */
const refusedLimit = (answer: Answer) => {
  expect(answer.status).toBe(429)
  const body = Schema.decodeUnknownSync(RateLimitedBody)(answer.json)
  expect(answer.headers["retry-after"]).toBe(String(body.error.details.retry_after_s))
  expect(body.error.details.retry_after_s).toBeGreaterThanOrEqual(1)
  return body.error.details.limit
}

const owner = () => ({ "x-domain-id": "dom_demo", "x-customer-id": freshId("cust_limits") })
const addScreen = { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 1 }] }

describe("mutations per owner", () => {
  it.live("past the rate and the burst, a mutation is refused before its flow runs, and others' are not", () =>
    Effect.gen(function* () {
      const me = owner()
      const answers: Array<Answer> = []
      // Rate 1 + burst 1: two pass within a second; a second ending on the way only lets more through.
      for (let i = 0; i < 20 && answers.every((a) => a.status !== 429); i++) {
        answers.push(yield* send("POST", "/cart/items", { headers: me, body: addScreen }))
      }
      const refused = answers.at(-1)!
      expect(refusedLimit(refused)).toBe("mutations")
      expect(refused.headers["retry-after"]).toBe("1")
      expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2)
      // Nothing of the refused request ran: one flow call per accepted request.
      const calls = yield* (yield* FlowCalls).all
      expect(calls.filter((call) => call.owner._tag === "Customer" && call.owner.customerId === me["x-customer-id"])).toHaveLength(
        answers.length - 1
      )
      // Reads are not limited, nor is another owner.
      expect((yield* send("GET", "/cart", { headers: me })).status).toBe(200)
      expect((yield* send("POST", "/cart/items", { headers: owner(), body: addScreen })).status).toBe(200)
    }).pipe(Effect.provide(testServer({ env: { ORCHESTRA_LIMIT_MUTATIONS_PER_S: "1", ORCHESTRA_LIMIT_MUTATIONS_BURST: "1" } })))
  )
})

describe("place-order attempts and invalid coupons (sandbox flows)", () => {
  const env = { ORCHESTRA_LIMIT_PLACE_ORDERS: "2", ORCHESTRA_LIMIT_COUPON_FAILURES: "3" }

  it.live("the third new checkout is refused before it runs; asking again under a used key is not counted", () =>
    Effect.gen(function* () {
      const me = owner()
      const place = (key: string) =>
        send("POST", "/cart/place-order", {
          headers: { ...me, "idempotency-key": key },
          body: { payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }], total_order_amount: 1 }
        })
      // No cart yet: each attempt runs and answers 404, and counts.
      expect((yield* place("a")).status).toBe(404)
      expect((yield* place("b")).status).toBe(404)
      expect(refusedLimit(yield* place("c"))).toBe("place_order_attempts")
      // Asking again under a key already used is no new attempt: it gets that checkout's answer.
      const again = yield* place("a")
      expect([again.status, again.headers["idempotent-replayed"]]).toEqual([404, "true"])
      const metrics = yield* send("GET", "/metrics")
      expect(metrics.text).toMatch(/orchestra_rate_limited_total\{limit="place_order_attempts"\} 1\b/)
    }).pipe(Effect.provide(orchestraTestServer(env)))
  )

  it.live("invalid coupon codes count; once used up, a PUT with a coupon is refused before validating and applies nothing", () =>
    Effect.gen(function* () {
      const me = owner()
      expect((yield* send("POST", "/cart/items", { headers: me, body: addScreen })).status).toBe(200)
      const first = yield* send("PUT", "/cart", { headers: me, body: { coupons: [{ code: "NOPE1" }, { code: "NOPE2" }] } })
      expect(first.status).toBe(200)
      expect(first.json).toMatchObject({ validations: { coupons: [{ status: "INVALID" }, { status: "INVALID" }] } })
      const second = yield* send("PUT", "/cart", { headers: me, body: { coupons: [{ code: "NOPE3" }] } })
      expect(second.status).toBe(200)

      const marketingCalls = Effect.map(send("GET", "/metrics"), (m) =>
        [...m.text.matchAll(/orchestra_downstream_calls_total\{[^}]*service="marketing"[^}]*\} (\d+)/g)].reduce((n, [, v]) => n + Number(v), 0)
      )
      const before = yield* marketingCalls
      const refused = yield* send("PUT", "/cart", {
        headers: me,
        body: { coupons: [{ code: "SAVE20" }], tips: { amount: 20, currency: "INR" } }
      })
      expect(refusedLimit(refused)).toBe("coupon_failures")
      expect(yield* marketingCalls).toBe(before)
      const cart = yield* send("GET", "/cart", { headers: me })
      expect(cart.json).not.toMatchObject({ cart: { tips: { amount: 20 } } })
      // A refusal is never kept as the answer of its Idempotency-Key: the same request again is refused afresh.
      const keyed = { headers: { ...me, "idempotency-key": freshId("k") }, body: { coupons: [{ code: "SAVE20" }] } }
      expect(refusedLimit(yield* send("PUT", "/cart", keyed))).toBe("coupon_failures")
      const again = yield* send("PUT", "/cart", keyed)
      expect(refusedLimit(again)).toBe("coupon_failures")
      expect(again.headers["idempotent-replayed"]).toBeUndefined()
      // Options without a coupon still go through.
      expect((yield* send("PUT", "/cart", { headers: me, body: { tips: { amount: 20, currency: "INR" } } })).status).toBe(200)
    }).pipe(Effect.provide(orchestraTestServer(env)))
  )
})

describe.skipIf(skipRedis)("shared by every instance (two processes over one Redis)", () => {
  it.live(
    "attempts and invalid coupons sent to either process count together",
    () =>
      Effect.gen(function* () {
        const env = { REDIS_URL: redisUrl, ORCHESTRA_LIMIT_PLACE_ORDERS: "3", ORCHESTRA_LIMIT_COUPON_FAILURES: "3" }
        const [a, b] = yield* Effect.all([orchestraProcess(env), orchestraProcess(env)], { concurrency: 2 })
        const me = owner()
        const place = (base: string, key: string) =>
          send("POST", `${base}/cart/place-order`, {
            headers: { ...me, "idempotency-key": key },
            body: { payment_instruction: [{ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }], total_order_amount: 1 }
          })
        expect((yield* place(a.baseUrl, "1")).status).toBe(404)
        expect((yield* place(b.baseUrl, "2")).status).toBe(404)
        expect((yield* place(a.baseUrl, "3")).status).toBe(404)
        expect(refusedLimit(yield* place(b.baseUrl, "4"))).toBe("place_order_attempts")
        expect(refusedLimit(yield* place(a.baseUrl, "5"))).toBe("place_order_attempts")

        // Each process has its own sandbox, so its own cart for the owner; the failures are counted in Redis.
        for (const base of [a.baseUrl, b.baseUrl]) {
          expect((yield* send("POST", `${base}/cart/items`, { headers: me, body: addScreen })).status).toBe(200)
        }
        expect((yield* send("PUT", `${a.baseUrl}/cart`, { headers: me, body: { coupons: [{ code: "NOPE1" }, { code: "NOPE2" }] } })).status).toBe(200)
        expect((yield* send("PUT", `${b.baseUrl}/cart`, { headers: me, body: { coupons: [{ code: "NOPE3" }] } })).status).toBe(200)
        expect(refusedLimit(yield* send("PUT", `${a.baseUrl}/cart`, { headers: me, body: { coupons: [{ code: "SAVE20" }] } }))).toBe(
          "coupon_failures"
        )
        // Another owner is untouched.
        expect((yield* send("PUT", `${b.baseUrl}/cart`, { headers: owner(), body: { coupons: [{ code: "SAVE20" }] } })).status).toBe(404)
      }).pipe(Effect.provide(FetchHttpClient.layer)),
    60_000
  )
})
