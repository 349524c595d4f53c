import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { planPayments } from "../../src/checkout/paymentPlan.ts"
import type { Totals } from "../../src/domain/Cart.ts"
import { Currency, minor } from "../../src/domain/Money.ts"
import { PaymentInstruction } from "../../src/domain/Payment.ts"

const instruction = Schema.decodeUnknownSync(PaymentInstruction)
const INR = Currency.make("INR")
const totals = (net: number): Totals => ({
  subtotal: minor(net),
  discount: minor(0),
  tax: minor(0),
  tax_included: minor(0),
  delivery_charge: minor(0),
  tips: minor(0),
  gift_wrap: minor(0),
  net_payable: minor(net)
})

describe("planPayments", () => {
  it("full_amount takes the remainder; the plan always sums to the total", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 3 }), fc.integer({ min: 1, max: 100_000 }), (parts, rest) => {
        const total = parts.reduce((a, b) => a + b, 0) + rest
        const plan = planPayments(
          [
            ...parts.map((p) => instruction({ amount: p / 100, currency: "INR", payment_mode: "MANUAL", gateway: "COD" })),
            instruction({ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" })
          ],
          minor(total),
          { totals: totals(total), currency: INR }
        )
        expect(Result.isSuccess(plan)).toBe(true)
        if (Result.isSuccess(plan)) {
          expect(plan.success.reduce((s, p) => s + p.amount, 0)).toBe(total)
          expect(plan.success.at(-1)?.amount).toBe(rest)
        }
      })
    )
  })

  it("AMOUNT_MISMATCH when the payments disagree with the total; CART_CHANGED when the cart moved", () => {
    const cod = (amount: number) => instruction({ amount, currency: "INR", payment_mode: "MANUAL", gateway: "COD" })
    const mismatch = planPayments([cod(10)], minor(2_000), { totals: totals(2_000), currency: INR })
    const changed = planPayments([cod(20)], minor(2_000), { totals: totals(2_100), currency: INR })
    const currency = planPayments(
      [instruction({ amount: 20, currency: "USD", payment_mode: "MANUAL", gateway: "COD" })],
      minor(2_000),
      { totals: totals(2_000), currency: INR }
    )
    const twoTakers = planPayments(
      [
        instruction({ full_amount: true, currency: "INR", payment_mode: "MANUAL", gateway: "COD" }),
        instruction({ full_amount: true, currency: "INR", payment_mode: "GATEWAY", gateway: "PHONEPE" })
      ],
      minor(2_000),
      { totals: totals(2_000), currency: INR }
    )
    expect(Result.isFailure(mismatch) && mismatch.failure._tag).toBe("AMOUNT_MISMATCH")
    expect(Result.isFailure(changed) && changed.failure._tag).toBe("CART_CHANGED")
    expect(Result.isFailure(currency) && currency.failure._tag).toBe("AMOUNT_MISMATCH")
    expect(Result.isFailure(twoTakers) && twoTakers.failure._tag).toBe("AMOUNT_MISMATCH")
  })
})
