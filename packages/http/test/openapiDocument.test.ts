import { PaymentWebhook } from "@orchestra/core/checkout/PaymentWebhook"
import { PlaceOrderRequest } from "@orchestra/core/checkout/PlaceOrderRequest"
import { ItemsRequest, UpdateOptionsRequest } from "@orchestra/core/flows/requests"
import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { demoExamples } from "../src/api/DemoExamples.ts"
import { demoJourneys } from "../src/api/DemoJourneys.ts"
import { openApiDocument } from "../src/api/OpenApiDocument.ts"

const Media = Schema.Struct({
  schema: Schema.Unknown,
  examples: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ summary: Schema.String, value: Schema.Unknown })))
})
const OperationShape = Schema.Struct({
  operationId: Schema.String,
  parameters: Schema.Array(Schema.Struct({ name: Schema.String, in: Schema.String, required: Schema.Boolean })),
  requestBody: Schema.optionalKey(Schema.Struct({ content: Schema.Struct({ "application/json": Media }) })),
  responses: Schema.Record(
    Schema.String,
    Schema.Struct({ headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)), content: Schema.optionalKey(Schema.Record(Schema.String, Media)) })
  ),
  security: Schema.Array(Schema.Record(Schema.String, Schema.Array(Schema.String)))
})
const DocumentShape = Schema.Struct({
  paths: Schema.Record(Schema.String, Schema.Record(Schema.String, OperationShape)),
  components: Schema.Struct({ schemas: Schema.Record(Schema.String, Schema.Unknown), securitySchemes: Schema.Record(Schema.String, Schema.Unknown) })
})

const document = Schema.decodeUnknownSync(DocumentShape)(openApiDocument())
const operation = (method: string, path: string) => {
  const found = document.paths[path]?.[method]
  if (found === undefined) throw new Error(`no ${method} ${path} in the document`)
  return found
}

// Decimal-aware multipleOf: 1026.86 / 0.01 is 102685.99999999999 in binary floating point.
const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true, multipleOfPrecision: 9 }))

/** Whether the document's request body schema of the operation accepts `body`. */
const documentAccepts = (method: string, path: string) => {
  const schema = operation(method, path).requestBody?.content["application/json"].schema
  const validate = ajv.compile({ ...(schema as object), components: document.components })
  return (body: unknown): boolean => validate(body) === true
}

/** Whether the server's decoder accepts `body`, with the options every mutation is decoded with. */
const serverAccepts =
  <S extends Schema.ConstraintDecoder<unknown>>(schema: S) =>
  (body: unknown): boolean =>
    Result.isSuccess(Schema.decodeUnknownResult(schema, { onExcessProperty: "error", errors: "all" })(body))

const agree = (method: string, path: string, schema: Schema.ConstraintDecoder<unknown>, bodies: ReadonlyArray<unknown>) => {
  const byDocument = documentAccepts(method, path)
  const byServer = serverAccepts(schema)
  for (const body of bodies) {
    expect({ body, document: byDocument(body) }).toEqual({ body, document: byServer(body) })
  }
}

const scheduled = { date: "2099-01-01", slot: { id: "slot_today_1" } }

describe("the OpenAPI document says what the server enforces", () => {
  it("PUT /cart: delivery preference, tips, coupons, ids and dates, judged as the server judges them", () => {
    const bodies = [
      { delivery_preference: { immediate: {} } },
      { delivery_preference: { scheduled, immediate: null } },
      { delivery_preference: { scheduled } },
      { delivery_preference: { immediate: true } },
      { delivery_preference: { immediate: "asap" } },
      { delivery_preference: { immediate: 42 } },
      { delivery_preference: { immediate: { foo: 1 } } },
      { delivery_preference: { scheduled, immediate: {} } },
      { delivery_preference: {} },
      { delivery_preference: { scheduled: null, immediate: null } },
      { delivery_preference: { scheduled: { ...scheduled, date: "2099-02-30" } } },
      { delivery_preference: { scheduled: { ...scheduled, date: "01/01/2099" } } },
      { tips: { amount: 10_000, currency: "INR" } },
      { tips: { amount: 10_000.01, currency: "INR" } },
      { tips: { amount: 1026.86, currency: "INR" } },
      { tips: { amount: 1.001, currency: "INR" } },
      { tips: { amount: -1, currency: "INR" } },
      { tips: { amount: 10, currency: "inr" } },
      { coupons: [{ code: "SAVE20" }] },
      { coupons: [{ code: "SAVE 20" }] },
      { coupons: Array.from({ length: 6 }, (_, i) => ({ code: `C${i}` })) },
      { pickup_point: { pickup_point_id: "p".repeat(129) } },
      { special_instructions: { instructions: "x".repeat(501) } },
      { totals: { net_payable: 1 } }
    ]
    agree("put", "/cart", UpdateOptionsRequest, bodies)
  })

  it("PUT /cart: any tip amount and any immediate value, the same verdict", () => {
    const byDocument = documentAccepts("put", "/cart")
    const byServer = serverAccepts(UpdateOptionsRequest)
    fc.assert(
      fc.property(
        // Amounts with 0 to 4 decimals around the limits (a double such as 5e-324 is beyond what a decimal-aware validator can tell).
        fc
          .tuple(fc.integer({ min: -2_000_000, max: 20_000_000 }), fc.integer({ min: 0, max: 4 }))
          .map(([digits, decimals]) => digits / 10 ** decimals),
        fc.oneof(fc.constant({}), fc.constant(null), fc.anything()),
        (amount, immediate) => {
          const body = { tips: { amount, currency: "INR" }, delivery_preference: { immediate } }
          expect(byDocument(body)).toBe(byServer(body))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("POST /cart/items: operation kinds, quantities, counts and ids", () => {
    const set = (fields: object = {}) => ({ op: "SET", product_id: "prod_case", quantity: 1, ...fields })
    agree("post", "/cart/items", ItemsRequest, [
      { operations: [set(), { op: "ADD", product_id: "prod_phone", variant_id: "var_128gb", quantity: 1, addons: [{ addon_id: "addon_warranty" }] }] },
      { operations: [{ op: "UPDATE", item_id: "item_1", quantity: 0 }, { op: "DELETE", item_id: "item_2" }] },
      { operations: [] },
      { operations: Array.from({ length: 51 }, () => set()) },
      { operations: [set({ quantity: 100 })] },
      { operations: [set({ quantity: 1.5 })] },
      { operations: [{ op: "ADD", product_id: "prod_case", quantity: 0 }] },
      { operations: [set({ product_id: "a b" })] },
      { operations: [set({ price: 1 })] },
      { operations: [{ op: "MOVE", item_id: "item_1" }] }
    ])
  })

  it("POST /cart/place-order: gateway by payment mode, amount unless full_amount, OTP, callback URL", () => {
    const cod = { amount: 149, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }
    const place = (...payment_instruction: ReadonlyArray<object>) => ({ payment_instruction, total_order_amount: 149 })
    agree("post", "/cart/place-order", PlaceOrderRequest, [
      place(cod),
      place({ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE", client_callback_url: "https://shop.example/done" }),
      place({ ...cod, payment_mode: "GATEWAY" }),
      place({ ...cod, gateway: "STORE-WALLET" }),
      place({ currency: "INR", payment_mode: "MANUAL", gateway: "COD" }),
      place({ ...cod, full_amount: false, amount: undefined }),
      place({ ...cod, amount: 1.001 }),
      place({ ...cod, payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "12" } }),
      place({ ...cod, payment_mode: "WALLET", gateway: "STORE-WALLET", meta: { wallet_id: "wal_1", otp: "123456" } }),
      place({ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "RAZORPAY", client_callback_url: "ftp://x" }),
      place(cod, cod, cod, cod, cod),
      { payment_instruction: [cod], total_order_amount: -1 }
    ])
  })

  it("place-order requires its Idempotency-Key; the other mutations take one", () => {
    const key = (method: string, path: string) => operation(method, path).parameters.find((p) => p.name === "idempotency-key")
    expect(key("post", "/cart/place-order")?.required).toBe(true)
    for (const [method, path] of [["post", "/cart/items"], ["put", "/cart"], ["delete", "/cart"], ["post", "/buy-now"]] as const) {
      expect(key(method, path)?.required).toBe(false)
    }
    expect(key("get", "/cart")).toBeUndefined()
  })

  it("every response declares x-request-id; replayable mutation answers idempotent-replayed; 409, 429 and 503 Retry-After", () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const mutation = op.parameters.some((p) => p.name === "idempotency-key")
        for (const [status, response] of Object.entries(op.responses)) {
          const headers = Object.keys(response.headers ?? {})
          expect({ at: `${method} ${path} ${status}`, headers }).toMatchObject({ headers: expect.arrayContaining(["x-request-id"]) })
          expect(headers.includes("idempotent-replayed")).toBe(mutation && ["200", "404", "409", "422"].includes(status))
          expect(headers.includes("retry-after")).toBe(status === "409" || status === "429" || status === "503")
        }
      }
    }
    expect(Object.keys(operation("post", "/cart/place-order").responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "404", "409", "413", "415", "422", "429", "500", "502", "503", "504"])
    )
  })

  it("the gateway signature secures the owner's endpoints, the webhook signature the webhook, nothing the probes", () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(
      ["gatewaySignature", "gatewayTimestamp", "webhookSignature", "webhookTimestamp"].sort()
    )
    expect(operation("get", "/cart").security).toEqual([{ gatewaySignature: [], gatewayTimestamp: [] }, {}])
    expect(operation("post", "/cart/place-order").security).toEqual([{ gatewaySignature: [], gatewayTimestamp: [] }, {}])
    expect(operation("post", "/payments/webhooks/{gateway}").security).toEqual([{ webhookSignature: [], webhookTimestamp: [] }])
    expect(operation("get", "/health").security).toEqual([])
  })

  it("the error bodies know every code of DESIGN §3, under its status", () => {
    const codesOf = (name: string) => JSON.stringify(document.components.schemas[name])
    expect(codesOf("Error409")).toContain("CHECKOUT_PENDING")
    expect(codesOf("Error429")).toContain("RATE_LIMITED")
    expect(codesOf("Error503")).toContain("OVERLOADED")
    expect(codesOf("Error503")).toContain("DOWNSTREAM_UNAVAILABLE")
  })
})

describe("the document's examples, recorded from the sandbox by scripts/recordExamples.ts", () => {
  const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods))
  const compile = (schema: unknown) => ajv.compile({ ...(schema as object), components: document.components })

  it("every operation shows a request (when it takes a body) and its success answer, each valid by the document", () => {
    for (const op of operations) {
      const body = op.requestBody?.content["application/json"]
      if (body !== undefined) {
        const examples = Object.entries(body.examples ?? {})
        expect({ op: op.operationId, requests: examples.length > 0 }).toEqual({ op: op.operationId, requests: true })
        const validate = compile(body.schema)
        for (const [name, example] of examples) expect({ op: op.operationId, name, valid: validate(example.value), errors: validate.errors ?? null }).toMatchObject({ valid: true })
      }
      const success = Object.values(op.responses["200"]?.content ?? {})
      expect({ op: op.operationId, answers: success.some((media) => Object.keys(media.examples ?? {}).length > 0) }).toEqual({
        op: op.operationId,
        answers: true
      })
      for (const media of success) {
        const validate = compile(media.schema)
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          expect({ op: op.operationId, name, valid: validate(example.value), errors: validate.errors ?? null }).toMatchObject({ valid: true })
        }
      }
    }
  })

  it("every recorded request is one the server decodes, and every journey step has its example", () => {
    const decoders: Record<string, (body: unknown) => boolean> = {
      "cart.addItems": serverAccepts(ItemsRequest),
      "cart.buyNow": serverAccepts(ItemsRequest),
      "cart.updateOptions": serverAccepts(UpdateOptionsRequest),
      "checkout.placeOrder": serverAccepts(PlaceOrderRequest),
      "webhooks.paymentWebhook": serverAccepts(PaymentWebhook)
    }
    for (const journey of demoJourneys) {
      for (const step of journey.steps) {
        const recorded = demoExamples[step.operationId]?.[step.example]
        expect({ step: step.name, recorded: recorded !== undefined }).toEqual({ step: step.name, recorded: true })
        const decodes = decoders[step.operationId]
        if (decodes !== undefined) expect({ step: step.name, decodes: decodes(recorded?.request) }).toEqual({ step: step.name, decodes: true })
      }
    }
  })
})
