import { Result, Schema, type SchemaAST } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { CartOptions, MAX_COUPONS, MAX_INSTRUCTIONS } from "../../src/domain/CartOptions.ts"
import { MAX_OPERATIONS, MAX_QUANTITY, Operation, Operations } from "../../src/domain/Operation.ts"
import { Gateway, gatewaysByMode, PaymentInstruction, PaymentMode } from "../../src/domain/Payment.ts"

/** Mutations decode strictly: an unknown field is an error, never silently dropped. */
const strict: SchemaAST.ParseOptions = { onExcessProperty: "error", errors: "all" }

/** The decode failure's message (with its path), or the empty string when `input` decodes. */
const rejection = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown): string => {
  const result = Schema.decodeUnknownResult(schema, strict)(input)
  return Result.isFailure(result) ? result.failure.message : ""
}

// The public request carries the operations under this key, so errors name it in their path.
const Request = Schema.Struct({ operations: Operations })

const ID_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-"]
const idArb = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength, maxLength })

const operationArb = fc.oneof(
  fc.record({ op: fc.constant("SET"), product_id: idArb(1, 20), quantity: fc.integer({ min: 0, max: MAX_QUANTITY }) }),
  fc.record({ op: fc.constant("ADD"), product_id: idArb(1, 20), quantity: fc.integer({ min: 1, max: MAX_QUANTITY }) }),
  fc.record({ op: fc.constant("UPDATE"), item_id: idArb(1, 20), quantity: fc.integer({ min: 0, max: MAX_QUANTITY }) }),
  fc.record({ op: fc.constant("DELETE"), item_id: idArb(1, 20) })
)

describe("operations", () => {
  it("accepts 1 to 50 operations and rejects more, naming the path", () => {
    fc.assert(
      fc.property(fc.array(operationArb, { minLength: 1, maxLength: MAX_OPERATIONS }), (operations) => {
        expect(rejection(Request, { operations })).toBe("")
      }),
      { numRuns: 200 }
    )
    fc.assert(
      fc.property(fc.array(operationArb, { minLength: MAX_OPERATIONS + 1, maxLength: 80 }), (operations) => {
        const message = rejection(Request, { operations })
        expect(message).toContain(`at most ${MAX_OPERATIONS}`)
        expect(message).toContain('["operations"]')
      }),
      { numRuns: 50 }
    )
    expect(rejection(Request, { operations: [] })).toContain('["operations"]')
  })

  it("takes an integer quantity from 0 to 99, at least 1 for ADD", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000, max: 1_000 }), fc.constantFrom("SET", "ADD", "UPDATE"), (quantity, op) => {
        const input =
          op === "UPDATE" ? { op, item_id: "item_1", quantity } : { op, product_id: "prod_case", quantity }
        const minimum = op === "ADD" ? 1 : 0
        const message = rejection(Request, { operations: [input] })
        if (quantity >= minimum && quantity <= MAX_QUANTITY) expect(message).toBe("")
        else expect(message).toContain('["operations"][0]["quantity"]')
      }),
      { numRuns: 500 }
    )
    for (const quantity of [1.5, Number.NaN, "2"]) {
      expect(rejection(Operation, { op: "SET", product_id: "prod_case", quantity })).toContain('["quantity"]')
    }
  })

  it("takes ids of 1 to 128 characters", () => {
    fc.assert(
      fc.property(idArb(1, 128), (id) => {
        expect(rejection(Operation, { op: "DELETE", item_id: id })).toBe("")
        expect(rejection(Operation, { op: "ADD", product_id: id, variant_id: id, quantity: 1, addons: [{ addon_id: id }] })).toBe("")
      }),
      { numRuns: 200 }
    )
    fc.assert(
      fc.property(idArb(129, 400), (id) => {
        expect(rejection(Operation, { op: "DELETE", item_id: id })).toContain('["item_id"]')
        expect(rejection(Operation, { op: "SET", product_id: "p", variant_id: id, quantity: 1 })).toContain('["variant_id"]')
      }),
      { numRuns: 100 }
    )
    expect(rejection(Operation, { op: "DELETE", item_id: "" })).toContain('["item_id"]')
    expect(rejection(Operation, { op: "DELETE", item_id: "has space" })).toContain('["item_id"]')
  })

  it("rejects unknown fields, such as a client-sent price", () => {
    fc.assert(
      fc.property(
        operationArb,
        idArb(1, 12).filter((k) => !["op", "product_id", "variant_id", "item_id", "quantity", "addons"].includes(k)),
        (operation, key) => {
          const message = rejection(Request, { operations: [{ ...operation, [key]: 1 }] })
          expect(message).toContain(`["operations"][0]["${key}"]`)
        }
      ),
      { numRuns: 200 }
    )
    expect(rejection(Request, { operations: [{ op: "DELETE", item_id: "i" }], total: 1 })).toContain('["total"]')
  })

  it("discriminates the four operations on `op`", () => {
    fc.assert(
      fc.property(operationArb, (operation) => {
        const decoded = Schema.decodeUnknownSync(Operation, strict)(operation)
        expect(decoded.op).toBe(operation.op)
        expect(Operation.guards[operation.op](decoded)).toBe(true)
        expect(decoded).toEqual(operation)
      }),
      { numRuns: 200 }
    )
    expect(rejection(Operation, { op: "PATCH", item_id: "i" })).not.toBe("")
    expect(rejection(Operation, { item_id: "i" })).not.toBe("")
    // Each op takes only its own fields: UPDATE addresses a line by id, never by product.
    expect(rejection(Operation, { op: "UPDATE", product_id: "p", quantity: 1 })).not.toBe("")
    expect(rejection(Operation, { op: "DELETE", product_id: "p" })).not.toBe("")
  })
})

describe("cart options", () => {
  const coupon = (i: number) => ({ code: `CODE${i}` })

  it("takes at most 5 coupons", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), (n) => {
        const message = rejection(CartOptions, { coupons: Array.from({ length: n }, (_, i) => coupon(i)) })
        if (n <= MAX_COUPONS) expect(message).toBe("")
        else expect(message).toContain('["coupons"]')
      })
    )
  })

  it("takes tips from 0 to 10000 with at most 2 decimals", () => {
    const tip = (amount: unknown) => rejection(CartOptions, { tips: { amount, currency: "INR" } })
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000, max: 2_000_000 }), (minorUnits) => {
        const message = tip(minorUnits / 100)
        if (minorUnits >= 0 && minorUnits <= 1_000_000) expect(message).toBe("")
        else expect(message).toContain('["tips"]["amount"]')
      }),
      { numRuns: 500 }
    )
    expect(tip(10_000)).toBe("")
    expect(tip(0)).toBe("")
    expect(tip(10_000.01)).toContain("at most 10000")
    expect(tip(-0.01)).toContain('["tips"]["amount"]')
    expect(tip(1.001)).toContain("at most 2 decimals")
  })

  it("takes special instructions of at most 500 characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (instructions) => {
        const message = rejection(CartOptions, { special_instructions: { instructions } })
        if (instructions.length <= MAX_INSTRUCTIONS) expect(message).toBe("")
        else expect(message).toContain('["special_instructions"]["instructions"]')
      }),
      { numRuns: 300 }
    )
    expect(rejection(CartOptions, { special_instructions: { instructions: "x".repeat(501) } })).not.toBe("")
  })

  it("needs exactly one of scheduled or immediate delivery", () => {
    const scheduled = { date: "2026-05-01", slot: { id: "slot_today_1" } }
    const preference = (p: object) => rejection(CartOptions, { delivery_preference: p })
    expect(preference({ scheduled })).toBe("")
    expect(preference({ immediate: {} })).toBe("")
    expect(preference({ scheduled, immediate: null })).toBe("")
    expect(preference({ scheduled: null, immediate: {} })).toBe("")
    expect(preference({ scheduled, immediate: {} })).toContain("exactly one of scheduled or immediate")
    expect(preference({})).toContain("exactly one of scheduled or immediate")
    expect(preference({ scheduled: null, immediate: null })).toContain('["delivery_preference"]')
    expect(preference({ scheduled: { ...scheduled, date: "01/05/2026" } })).toContain('["date"]')
    expect(preference({ scheduled: { ...scheduled, date: "2026-02-30" } })).toContain('["scheduled"]["date"]')
    expect(preference({ scheduled: { ...scheduled, date: "2028-02-29" } })).toBe("")
  })

  it("takes immediate delivery only as an empty object, naming the path otherwise", () => {
    const immediate = (value: unknown) => rejection(CartOptions, { delivery_preference: { immediate: value } })
    fc.assert(
      fc.property(
        fc.oneof(fc.boolean(), fc.string(), fc.double(), fc.array(fc.anything()), fc.dictionary(idArb(1, 8), fc.anything(), { minKeys: 1 })),
        (value) => {
          expect(immediate(value)).toContain('["delivery_preference"]["immediate"]')
        }
      )
    )
    expect(immediate({})).toBe("")
  })
})

describe("payment instructions", () => {
  it("accepts a gateway only for the payment modes that use it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PaymentMode.literals), fc.constantFrom(...Gateway.literals), (mode, gateway) => {
        const message = rejection(PaymentInstruction, {
          full_amount: true,
          currency: "INR",
          payment_mode: mode,
          gateway
        })
        if (gatewaysByMode[mode].includes(gateway)) expect(message).toBe("")
        else expect(message).toContain(`for payment_mode ${mode}`)
      })
    )
    expect(
      rejection(PaymentInstruction, { full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "COD" })
    ).toContain("Expected gateway PHONEPE or RAZORPAY for payment_mode GATEWAY")
  })

  it("needs an amount unless full_amount is true", () => {
    const base = { currency: "INR", payment_mode: "WALLET", gateway: "STORE-WALLET" }
    expect(rejection(PaymentInstruction, base)).toContain("Expected amount unless full_amount is true")
    expect(rejection(PaymentInstruction, { ...base, full_amount: false })).not.toBe("")
    expect(rejection(PaymentInstruction, { ...base, amount: 120.5 })).toBe("")
    expect(rejection(PaymentInstruction, { ...base, amount: -1 })).toContain('["amount"]')
  })
})
