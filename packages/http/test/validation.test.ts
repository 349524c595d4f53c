import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ErrorBody } from "../src/api/ErrorBody.ts"
import { customer, send, testServer } from "./support/server.ts"
import { FlowCalls } from "./support/TestFlows.ts"

const set = (fields: Record<string, unknown> = {}) => ({ op: "SET", product_id: "prod-1", quantity: 1, ...fields })

interface Case {
  readonly name: string
  readonly method: "POST" | "PUT"
  readonly path: string
  readonly body: unknown
  /** The first issue's path, as `details[0].path` and in the message. */
  readonly field: ReadonlyArray<string | number>
  readonly named: string
  readonly headers?: Record<string, string>
}

const cod = (amount: number) => ({ amount, currency: "INR", payment_mode: "MANUAL", gateway: "COD" })

const cases: ReadonlyArray<Case> = [
  { name: "an unknown field", method: "POST", path: "/cart/items", body: { operations: [set()], bogus: 1 }, field: ["bogus"], named: "bogus" },
  {
    name: "51 operations",
    method: "POST",
    path: "/cart/items",
    body: { operations: Array.from({ length: 51 }, () => set()) },
    field: ["operations"],
    named: "operations"
  },
  {
    name: "quantity 100",
    method: "POST",
    path: "/cart/items",
    body: { operations: [set({ quantity: 100 })] },
    field: ["operations", 0, "quantity"],
    named: "operations[0].quantity"
  },
  {
    name: "quantity 1.5",
    method: "POST",
    path: "/buy-now",
    body: { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1.5 }] },
    field: ["operations", 0, "quantity"],
    named: "operations[0].quantity"
  },
  {
    name: "an id of 129 characters",
    method: "POST",
    path: "/cart/items",
    body: { operations: [set(), set({ product_id: "p".repeat(129) })] },
    field: ["operations", 1, "product_id"],
    named: "operations[1].product_id"
  },
  {
    name: "a client-sent price in an operation",
    method: "POST",
    path: "/cart/items",
    body: { operations: [set({ price: 1 })] },
    field: ["operations", 0, "price"],
    named: "operations[0].price"
  },
  {
    name: "6 coupons",
    method: "PUT",
    path: "/cart",
    body: { coupons: Array.from({ length: 6 }, (_, i) => ({ code: `SAVE${i}` })) },
    field: ["coupons"],
    named: "coupons"
  },
  {
    name: "tips of 10000.01",
    method: "PUT",
    path: "/cart",
    body: { tips: { amount: 10000.01, currency: "INR" } },
    field: ["tips", "amount"],
    named: "tips.amount"
  },
  {
    name: "immediate delivery sent as true",
    method: "PUT",
    path: "/cart",
    body: { delivery_preference: { immediate: true } },
    field: ["delivery_preference", "immediate"],
    named: "delivery_preference.immediate"
  },
  {
    name: "immediate delivery with a field",
    method: "PUT",
    path: "/cart",
    body: { delivery_preference: { immediate: { foo: 1 } } },
    field: ["delivery_preference", "immediate", "foo"],
    named: "delivery_preference.immediate.foo"
  },
  {
    name: "a negative tip",
    method: "PUT",
    path: "/cart",
    body: { tips: { amount: -0.01, currency: "INR" } },
    field: ["tips", "amount"],
    named: "tips.amount"
  },
  {
    name: "5 payment instructions",
    method: "POST",
    path: "/cart/place-order",
    body: { payment_instruction: [cod(1), cod(1), cod(1), cod(1), cod(1)], total_order_amount: 5 },
    field: ["payment_instruction"],
    named: "payment_instruction",
    headers: { "idempotency-key": "five-payments" }
  },
  {
    name: "instructions of 501 characters",
    method: "PUT",
    path: "/cart",
    body: { special_instructions: { instructions: "x".repeat(501) } },
    field: ["special_instructions", "instructions"],
    named: "special_instructions.instructions"
  },
  {
    name: "client-sent totals",
    method: "PUT",
    path: "/cart",
    body: { tips: { amount: 10, currency: "INR" }, totals: { net_payable: 1 } },
    field: ["totals"],
    named: "totals"
  }
]

const noFlowRan = Effect.gen(function* () {
  expect((yield* (yield* FlowCalls).all).length).toBe(0)
})

describe("request validation", () => {
  for (const c of cases) {
    it.live(`${c.name} is a 400 naming ${c.named}, and no flow runs`, () =>
      Effect.gen(function* () {
        const answer = yield* send(c.method, c.path, { headers: { ...customer, ...c.headers }, body: c.body })
        expect(answer.status).toBe(400)
        expect(answer.json).toMatchObject({
          success: false,
          error: { code: "INVALID_REQUEST", details: [{ path: c.field }] },
          request_id: answer.headers["x-request-id"]
        })
        expect(JSON.stringify(answer.json)).toContain(`field ${c.named}:`)
        yield* noFlowRan
      }).pipe(Effect.provide(testServer()))
    )
  }

  it.live("every issue is listed, each with its path", () =>
    Effect.gen(function* () {
      const body = { operations: [set({ quantity: 100 }), set({ quantity: -1, price: 3 })], extra: true }
      const answer = yield* send("POST", "/cart/items", { headers: customer, body })
      expect(answer.status).toBe(400)
      const details = [
        { path: ["operations", 0, "quantity"], message: "Expected a value between 0 and 99" },
        { path: ["operations", 1, "quantity"], message: "Expected a value between 0 and 99" },
        { path: ["operations", 1, "price"], message: "Expected no excess property" },
        { path: ["extra"], message: "Expected no excess property" }
      ]
      const { error } = Schema.decodeUnknownSync(ErrorBody)(answer.json)
      expect(error.code).toBe("INVALID_REQUEST")
      expect(error.details).toEqual(expect.arrayContaining(details))
      expect(error.details).toHaveLength(details.length)
      // The message names the first issue listed.
      expect(error.message).toBe("Invalid request body field extra: Expected no excess property (and 3 more)")
      expect(error.details).toMatchObject([{ path: ["extra"] }, {}, {}, {}])
    }).pipe(Effect.provide(testServer()))
  )

  it.live("a body that is not JSON, or not JSON typed, is refused with the error shape", () =>
    Effect.gen(function* () {
      const broken = yield* send("POST", "/cart/items", { headers: customer, body: "{ not json" })
      expect(broken.status).toBe(400)
      expect(broken.json).toMatchObject({ success: false, error: { code: "INVALID_REQUEST" } })

      const text = yield* send("POST", "/cart/items", { headers: customer, body: "operations", contentType: "text/plain" })
      expect(text.status).toBe(415)
      expect(text.json).toMatchObject({
        success: false,
        error: { code: "UNSUPPORTED_MEDIA_TYPE" },
        request_id: text.headers["x-request-id"]
      })

      const missing = yield* send("POST", "/cart/items", { headers: customer })
      expect(missing.status).toBe(400)
      expect(missing.json).toMatchObject({ error: { code: "INVALID_REQUEST" } })
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )

  it.live("a bad query parameter is a 400 naming it", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/cart?compute=maybe", { headers: customer })
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({
        error: { code: "INVALID_REQUEST", message: expect.stringContaining("query parameter field compute"), details: [{ path: ["compute"] }] }
      })
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )
})

describe("body size", () => {
  const oversized = { operations: [set()], padding: "x".repeat(65 * 1024) }

  it.live("a body over 64 KiB is a 413 with the error shape, and no flow runs", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: customer, body: oversized })
      expect(answer.status).toBe(413)
      expect(answer.json).toEqual({
        success: false,
        error: { code: "PAYLOAD_TOO_LARGE", message: "The body is larger than 64 KiB" },
        request_id: answer.headers["x-request-id"]
      })
      const keyed = yield* send("PUT", "/cart", { headers: { ...customer, "idempotency-key": "k-413" }, body: oversized })
      expect(keyed.status).toBe(413)
      expect(keyed.json).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } })
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )

  it.live("a body just under 64 KiB is read (and judged on its fields)", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({ operations: [set()], padding: "" })
      const padded = body.replace('""', `"${"x".repeat(64 * 1024 - body.length)}"`)
      expect(padded.length).toBe(64 * 1024)
      const answer = yield* send("POST", "/cart/items", { headers: customer, body: padded })
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({ error: { details: [{ path: ["padding"] }] } })
    }).pipe(Effect.provide(testServer()))
  )
})
