import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { CustomerId, OrderId, PaymentId, PaymentMethodId, WalletId } from "@orchestra/core/domain/Ids"
import { Currency, minor } from "@orchestra/core/domain/Money"
import type { Gateway, PaymentMode } from "@orchestra/core/domain/Payment"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makePaymentSimulator } from "../../src/simulators/PaymentSimulator.ts"

const INR = Currency.make("INR")
const cust1 = CustomerId.make("cust_1")
const wal1 = WalletId.make("wal_1")

interface InitiateOptions {
  readonly key?: string
  readonly amount?: number
  readonly mode?: PaymentMode
  readonly gateway?: Gateway
  readonly otp?: string
  readonly walletId?: string
  readonly customerId?: string
  readonly currency?: string
}

/** An initiate payload for cust_1; by default a 50.00 wallet debit of wal_1 with the right OTP. */
const initiate = (o: InitiateOptions = {}) => ({
  payload: {
    idempotency_key: o.key ?? "pay-key-1",
    order_id: OrderId.make("ord_1"),
    customer_id: CustomerId.make(o.customerId ?? "cust_1"),
    amount: minor(o.amount ?? 5_000),
    currency: Currency.make(o.currency ?? "INR"),
    payment_mode: o.mode ?? "WALLET",
    gateway: o.gateway ?? "STORE-WALLET",
    meta: { wallet_id: WalletId.make(o.walletId ?? "wal_1"), otp: o.otp ?? "123456" }
  }
})

const refund = (paymentId: string, key: string) => ({
  params: { payment_id: PaymentId.make(paymentId) },
  payload: { idempotency_key: key }
})

describe("PaymentSimulator", () => {
  it.effect("returns catalog payment methods, inactive ones with active: false", () =>
    Effect.gen(function* () {
      const { operations } = yield* makePaymentSimulator(demoCatalog)
      const upi = yield* operations.paymentMethod({ params: { id: PaymentMethodId.make("pay_method_789") } })
      expect(upi).toEqual({ payment_method_id: "pay_method_789", type: "UPI", active: true })
      const disabled = yield* operations.paymentMethod({ params: { id: PaymentMethodId.make("pay_method_disabled") } })
      expect(disabled.active).toBe(false)
      const unknown = yield* Effect.flip(operations.paymentMethod({ params: { id: PaymentMethodId.make("pay_method_x") } }))
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("debits a wallet now: 500.00 − 50.00 leaves 450.00", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const payment = yield* sim.operations.initiate(initiate())
      expect(payment).toEqual({
        payment_id: "pay_1",
        order_id: "ord_1",
        status: "SUCCESS",
        payment_mode: "WALLET",
        gateway: "STORE-WALLET",
        amount: 5_000,
        currency: INR
      })
      expect(sim.walletBalance("wal_1")).toBe(45_000)
      expect(sim.debitsOf("wal_1")).toBe(1)
      expect(sim.payments()[0]).toMatchObject({ wallet_id: wal1, customer_id: cust1, credited: false })
    })
  )

  it.effect("refuses a wrong or missing OTP with INVALID_OTP and leaves the balance alone", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const wrong = yield* Effect.flip(sim.operations.initiate(initiate({ otp: "000000" })))
      expect(wrong).toMatchObject({ _tag: "ResourceConflict", reason: "INVALID_OTP" })
      const { meta: _meta, ...withoutMeta } = initiate().payload
      const missing = yield* Effect.flip(
        sim.operations.initiate({ payload: { ...withoutMeta, meta: { wallet_id: wal1 } } })
      )
      expect(missing).toMatchObject({ _tag: "ResourceConflict", reason: "INVALID_OTP" })
      expect(sim.walletBalance("wal_1")).toBe(50_000)
      expect(sim.debitsOf("wal_1")).toBe(0)
      expect(sim.payments()).toEqual([])
    })
  )

  it.effect("refuses more than the balance with INSUFFICIENT_BALANCE", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const error = yield* Effect.flip(sim.operations.initiate(initiate({ amount: 60_000 })))
      expect(error).toMatchObject({ _tag: "ResourceConflict", reason: "INSUFFICIENT_BALANCE" })
      expect(sim.walletBalance("wal_1")).toBe(50_000)
      // The whole balance is fine.
      yield* sim.operations.initiate(initiate({ amount: 50_000, key: "all" }))
      expect(sim.walletBalance("wal_1")).toBe(0)
    })
  )

  it.effect("refuses a wallet that is unknown or belongs to another customer with WALLET_NOT_FOUND", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const others = yield* Effect.flip(sim.operations.initiate(initiate({ walletId: "wal_2", otp: "654321" })))
      expect(others).toMatchObject({ reason: "WALLET_NOT_FOUND" })
      const unknown = yield* Effect.flip(sim.operations.initiate(initiate({ walletId: "wal_404" })))
      expect(unknown).toMatchObject({ reason: "WALLET_NOT_FOUND" })
      const { customer_id: _customer, ...guest } = initiate().payload
      const noCustomer = yield* Effect.flip(sim.operations.initiate({ payload: guest }))
      expect(noCustomer).toMatchObject({ reason: "WALLET_NOT_FOUND" })
      expect(sim.walletBalance("wal_2")).toBe(0)
      expect(sim.walletBalance("wal_1")).toBe(50_000)
    })
  )

  it.effect("debits once for one idempotency key, even when called concurrently", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const first = yield* sim.operations.initiate(initiate({ key: "k" }))
      const again = yield* sim.operations.initiate(initiate({ key: "k" }))
      expect(again).toEqual(first)
      const racing = yield* Effect.all(
        Array.from({ length: 5 }, () => sim.operations.initiate(initiate({ key: "race" }))),
        { concurrency: "unbounded" }
      )
      expect(new Set(racing.map((p) => p.payment_id)).size).toBe(1)
      expect(sim.debitsOf("wal_1")).toBe(2)
      expect(sim.walletBalance("wal_1")).toBe(40_000)
      expect(sim.payments()).toHaveLength(2)
    })
  )

  it.effect("does not let a refusal claim the key: the corrected retry goes through once", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      yield* Effect.flip(sim.operations.initiate(initiate({ key: "k", otp: "111111" })))
      const retried = yield* sim.operations.initiate(initiate({ key: "k" }))
      expect(retried.status).toBe("SUCCESS")
      yield* sim.operations.initiate(initiate({ key: "k" }))
      expect(sim.debitsOf("wal_1")).toBe(1)
    })
  )

  it.effect("credits a wallet payment back exactly once, whatever the refund keys", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const paid = yield* sim.operations.initiate(initiate())
      const refunded = yield* sim.operations.refund(refund(paid.payment_id, "r1"))
      expect(refunded).toEqual({ ...paid, status: "REFUNDED" })
      const again = yield* sim.operations.refund(refund(paid.payment_id, "r2"))
      const replay = yield* sim.operations.refund(refund(paid.payment_id, "r1"))
      expect(again.status).toBe("REFUNDED")
      expect(replay.status).toBe("REFUNDED")
      expect(sim.walletBalance("wal_1")).toBe(50_000)
      expect(sim.refundsOf("wal_1")).toBe(1)
      expect(sim.payments()[0]?.credited).toBe(true)
    })
  )

  it.effect("refuses to refund an unknown payment with ResourceNotFound", () =>
    Effect.gen(function* () {
      const { operations } = yield* makePaymentSimulator(demoCatalog)
      const error = yield* Effect.flip(operations.refund(refund("pay_404", "r")))
      expect(error._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("starts a gateway payment PENDING with a redirect, and the sandbox settles it", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const pending = yield* sim.operations.initiate(initiate({ mode: "GATEWAY", gateway: "PHONEPE", amount: 2_059_700 }))
      expect(pending).toMatchObject({
        status: "PENDING",
        gateway: "PHONEPE",
        amount: 2_059_700,
        gateway_order_id: "phonepe_ord_1",
        redirect_url: "https://sandbox.phonepe.example/pay/phonepe_ord_1"
      })
      expect(sim.walletBalance("wal_1")).toBe(50_000)
      const razorpay = yield* sim.operations.initiate(initiate({ key: "rp", mode: "GATEWAY", gateway: "RAZORPAY" }))
      expect(razorpay.gateway_order_id).toBe("razorpay_ord_2")

      const settled = yield* sim.settleGateway("phonepe_ord_1", "SUCCESS")
      expect(settled).toEqual({ ...pending, status: "SUCCESS" })
      // Gateways redeliver: the same outcome again is harmless, a different one is refused.
      expect(yield* sim.settleGateway("phonepe_ord_1", "SUCCESS")).toEqual(settled)
      const flip = yield* Effect.flip(sim.settleGateway("phonepe_ord_1", "FAILED"))
      expect(flip).toMatchObject({ _tag: "ResourceConflict", reason: "ALREADY_SETTLED" })
      // A replay of the initiate key sees the payment as it is now.
      const replay = yield* sim.operations.initiate(initiate({ mode: "GATEWAY", gateway: "PHONEPE", amount: 2_059_700 }))
      expect(replay.status).toBe("SUCCESS")

      expect((yield* sim.settleGateway("razorpay_ord_2", "FAILED")).status).toBe("FAILED")
      const unknown = yield* Effect.flip(sim.settleGateway("phonepe_ord_404", "SUCCESS"))
      expect(unknown._tag).toBe("ResourceNotFound")
    })
  )

  it.effect("refunds gateway and COD payments without moving any wallet", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const gateway = yield* sim.operations.initiate(initiate({ key: "g", mode: "GATEWAY", gateway: "PHONEPE" }))
      yield* sim.settleGateway(gateway.gateway_order_id ?? "", "SUCCESS")
      const cod = yield* sim.operations.initiate(initiate({ key: "c", mode: "MANUAL", gateway: "COD" }))
      expect(cod.status).toBe("SUCCESS")
      expect((yield* sim.operations.refund(refund(gateway.payment_id, "rg"))).status).toBe("REFUNDED")
      expect((yield* sim.operations.refund(refund(cod.payment_id, "rc"))).status).toBe("REFUNDED")
      expect(sim.walletBalance("wal_1")).toBe(50_000)
      expect(sim.refundsOf("wal_1")).toBe(0)
      // A voided gateway payment cannot be settled afterwards.
      const late = yield* sim.operations.initiate(initiate({ key: "late", mode: "GATEWAY", gateway: "PHONEPE" }))
      yield* sim.operations.refund(refund(late.payment_id, "rl"))
      const settle = yield* Effect.flip(sim.settleGateway(late.gateway_order_id ?? "", "SUCCESS"))
      expect(settle).toMatchObject({ reason: "ALREADY_SETTLED" })
      // Nothing was taken from a failed payment, so it stays FAILED.
      const failed = yield* sim.operations.initiate(initiate({ key: "f", mode: "GATEWAY", gateway: "RAZORPAY" }))
      yield* sim.settleGateway(failed.gateway_order_id ?? "", "FAILED")
      expect((yield* sim.operations.refund(refund(failed.payment_id, "rf"))).status).toBe("FAILED")
    })
  )

  it.effect("refuses loyalty points, a foreign currency, a gateway of another mode and a disabled gateway", () =>
    Effect.gen(function* () {
      const sim = yield* makePaymentSimulator(demoCatalog)
      const reasonOf = (o: InitiateOptions) =>
        Effect.flip(sim.operations.initiate(initiate(o))).pipe(Effect.map((e) => e.reason))
      expect(yield* reasonOf({ mode: "LOYALTY", gateway: "LOYALTY" })).toBe("UNSUPPORTED_MODE")
      expect(yield* reasonOf({ currency: "USD" })).toBe("CURRENCY_MISMATCH")
      expect(yield* reasonOf({ mode: "GATEWAY", gateway: "COD" })).toBe("GATEWAY_MODE_MISMATCH")
      expect(yield* reasonOf({ mode: "WALLET", gateway: "PHONEPE" })).toBe("GATEWAY_MODE_MISMATCH")
      const phonepeOnly = yield* makePaymentSimulator({ ...demoCatalog, payment_gateways: ["PHONEPE"] })
      const disabled = yield* Effect.flip(phonepeOnly.operations.initiate(initiate({ mode: "GATEWAY", gateway: "RAZORPAY" })))
      expect(disabled.reason).toBe("GATEWAY_UNAVAILABLE")
      expect(sim.payments()).toEqual([])
    })
  )

  it.effect("starts every simulator from the catalog's balances", () =>
    Effect.gen(function* () {
      const first = yield* makePaymentSimulator(demoCatalog)
      yield* first.operations.initiate(initiate())
      const second = yield* makePaymentSimulator(demoCatalog)
      expect(second.walletBalance("wal_1")).toBe(50_000)
      expect(second.walletBalance("wal_404")).toBeUndefined()
    })
  )

  const intBetween = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
  const Step = Schema.Union([
    Schema.Struct({
      kind: Schema.Literal("debit"),
      amount: intBetween(0, 12_000),
      key: intBetween(0, 7),
      // One attempt in four types the wrong OTP.
      otpTry: intBetween(0, 3)
    }),
    Schema.Struct({ kind: Schema.Literal("refund"), payment: intBetween(1, 4), key: intBetween(0, 7) })
  ])

  it.effect.prop(
    "keeps balance = initial − Σ unrefunded debits, never negative, each payment credited at most once",
    { steps: Schema.Array(Step).check(Schema.isMinLength(4), Schema.isMaxLength(40)) },
    ({ steps }) =>
      Effect.gen(function* () {
        const sim = yield* makePaymentSimulator(demoCatalog)
        const initial = 50_000
        // Concurrent on purpose: the simulator must stay consistent however calls interleave.
        yield* Effect.forEach(
          steps,
          // Refusals are part of a random run (wrong OTP, no balance, no such payment yet).
          (step) =>
            step.kind === "debit"
              ? Effect.ignore(
                  sim.operations.initiate(
                    initiate({ key: `d${step.key}`, amount: step.amount, otp: step.otpTry === 0 ? "999999" : "123456" })
                  )
                )
              : Effect.ignore(sim.operations.refund(refund(`pay_${step.payment}`, `r${step.key}`))),
          { concurrency: "unbounded", discard: true }
        )
        const payments = sim.payments()
        const balance = sim.walletBalance("wal_1") ?? -1
        const unrefunded = payments
          .filter((p) => p.payment.status === "SUCCESS")
          .reduce((total, p) => total + p.payment.amount, 0)
        expect(balance).toBe(initial - unrefunded)
        expect(balance).toBeGreaterThanOrEqual(0)
        expect(sim.debitsOf("wal_1")).toBe(payments.length)
        expect(sim.refundsOf("wal_1")).toBe(payments.filter((p) => p.payment.status === "REFUNDED").length)
        expect(payments.every((p) => p.credited === (p.payment.status === "REFUNDED"))).toBe(true)
        // One payment per debit key that went through at least once.
        expect(payments.length).toBeLessThanOrEqual(new Set(steps.filter((s) => s.kind === "debit").map((s) => s.key)).size)
      }),
    { arbitrary: { runs: 300, size: 30 } }
  )
})
