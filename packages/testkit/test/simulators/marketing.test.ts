import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { CouponCode, CustomerId, OrderId, ProductId } from "@orchestra/core/domain/Ids"
import { minor } from "@orchestra/core/domain/Money"
import { type Catalog, demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeMarketingSimulator } from "../../src/simulators/MarketingSimulator.ts"

/** 2026-01-15: after EXPIRED10's valid_until, long before the others'. TestClock starts at 1970. */
const TODAY = Date.UTC(2026, 0, 15, 10, 30)

const codes = (...cs: ReadonlyArray<string>) => cs.map((c) => CouponCode.make(c))
const products = (...ps: ReadonlyArray<string>) => ps.map((p) => ProductId.make(p))
const cust1 = CustomerId.make("cust_1")

const simulatorToday = (catalog: Catalog = demoCatalog) =>
  TestClock.setTime(TODAY).pipe(Effect.andThen(makeMarketingSimulator(catalog)))

describe("MarketingSimulator", () => {
  it.effect("takes 20% off capped at 200.00: SAVE20 on 1848.00 gives −200.00", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const { coupons } = yield* marketing.operations.validateCoupons({
        payload: { codes: codes("SAVE20"), subtotal: minor(184_800) }
      })
      assert.strictEqual(coupons.length, 1)
      assert.strictEqual(coupons[0]?.valid, true)
      assert.strictEqual(coupons[0]?.discount, -20_000)
      assert.strictEqual(coupons[0]?.coupon?.code, "SAVE20")
      const small = yield* marketing.operations.validateCoupons({ payload: { codes: codes("SAVE20"), subtotal: minor(60_000) } })
      assert.strictEqual(small.coupons[0]?.discount, -12_000)
    })
  )

  it.effect("answers each code in order: NOT_FOUND, DUPLICATE, EXPIRED, MIN_SUBTOTAL", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const { coupons } = yield* marketing.operations.validateCoupons({
        payload: { codes: codes("NOPE", "FLAT50", "EXPIRED10", "FLAT50", "NOPE"), subtotal: minor(29_999) }
      })
      assert.deepStrictEqual<unknown>(
        coupons.map((c) => [c.code, c.valid, c.reason]),
        [
          ["NOPE", false, "NOT_FOUND"],
          ["FLAT50", false, "MIN_SUBTOTAL"],
          ["EXPIRED10", false, "EXPIRED"],
          ["FLAT50", false, "DUPLICATE"],
          ["NOPE", false, "NOT_FOUND"]
        ]
      )
      const atMinimum = yield* marketing.operations.validateCoupons({ payload: { codes: codes("FLAT50"), subtotal: minor(30_000) } })
      assert.deepStrictEqual<unknown>([atMinimum.coupons[0]?.valid, atMinimum.coupons[0]?.discount], [true, -5_000])
    })
  )

  it.effect("decides expiry by the UTC date from the Clock", () =>
    Effect.gen(function* () {
      const marketing = yield* makeMarketingSimulator(demoCatalog)
      yield* TestClock.setTime(Date.UTC(2025, 0, 1, 23, 59))
      const lastDay = yield* marketing.operations.validateCoupons({ payload: { codes: codes("EXPIRED10"), subtotal: minor(10_000) } })
      assert.deepStrictEqual<unknown>([lastDay.coupons[0]?.valid, lastDay.coupons[0]?.discount], [true, -1_000])
      yield* TestClock.adjust("1 minute")
      const dayAfter = yield* marketing.operations.validateCoupons({ payload: { codes: codes("EXPIRED10"), subtotal: minor(10_000) } })
      assert.strictEqual(dayAfter.coupons[0]?.reason, "EXPIRED")
    })
  )

  it.effect("expires a coupon at runtime (the coupon expired between add and checkout)", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const request = { payload: { codes: codes("SAVE20"), subtotal: minor(100_000) } }
      assert.strictEqual((yield* marketing.operations.validateCoupons(request)).coupons[0]?.valid, true)
      yield* marketing.expireCoupon("SAVE20")
      assert.strictEqual(marketing.couponOf("SAVE20")?.valid_until, "2026-01-14")
      assert.strictEqual((yield* marketing.operations.validateCoupons(request)).coupons[0]?.reason, "EXPIRED")
    })
  )

  it.effect("lets ONCE100 be used once per customer", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const request = (customer: string) => ({
        payload: { codes: codes("ONCE100"), customer_id: CustomerId.make(customer), subtotal: minor(150_000) }
      })
      const before = yield* marketing.operations.validateCoupons(request("cust_1"))
      assert.deepStrictEqual<unknown>([before.coupons[0]?.valid, before.coupons[0]?.discount], [true, -10_000])

      const mark = {
        payload: { idempotency_key: "order_1:coupons", codes: codes("ONCE100"), customer_id: cust1, order_id: OrderId.make("order_1") }
      }
      assert.deepStrictEqual<unknown>(yield* marketing.operations.markCouponsUsed(mark), { used: ["ONCE100"] })
      // A retried step with the same key is answered again and does not count twice.
      assert.deepStrictEqual<unknown>(yield* marketing.operations.markCouponsUsed(mark), { used: ["ONCE100"] })
      assert.deepStrictEqual<unknown>(marketing.couponUses(), [
        { code: "ONCE100", customer_id: "cust_1", order_id: "order_1", idempotency_key: "order_1:coupons" }
      ])

      const after = yield* marketing.operations.validateCoupons(request("cust_1"))
      assert.deepStrictEqual<unknown>([after.coupons[0]?.valid, after.coupons[0]?.reason], [false, "ALREADY_USED"])
      const otherCustomer = yield* marketing.operations.validateCoupons(request("cust_2"))
      assert.strictEqual(otherCustomer.coupons[0]?.valid, true)

      const second = yield* Effect.flip(
        marketing.operations.markCouponsUsed({
          payload: { idempotency_key: "order_2:coupons", codes: codes("ONCE100"), customer_id: cust1, order_id: OrderId.make("order_2") }
        })
      )
      assert.deepStrictEqual<unknown>([second._tag, second.reason], ["ResourceConflict", "ALREADY_USED"])
      assert.strictEqual(marketing.couponUses().length, 1)
    })
  )

  it.effect("records reusable coupons every time, and refuses an unknown code without recording anything", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const mark = (key: string, ...cs: ReadonlyArray<string>) =>
        marketing.operations.markCouponsUsed({
          payload: { idempotency_key: key, codes: codes(...cs), customer_id: cust1, order_id: OrderId.make(`order_${key}`) }
        })
      yield* mark("a", "SAVE20", "SAVE20")
      yield* mark("b", "SAVE20")
      const unknown = yield* Effect.flip(mark("c", "FLAT50", "NOPE"))
      assert.strictEqual(unknown.reason, "NOT_FOUND")
      assert.deepStrictEqual<unknown>(
        marketing.couponUses().map((u) => [u.code, u.order_id]),
        [
          ["SAVE20", "order_a"],
          ["SAVE20", "order_b"]
        ]
      )
    })
  )

  it.effect("never discounts more than the subtotal", () =>
    Effect.gen(function* () {
      const catalog: Catalog = {
        ...demoCatalog,
        coupons: [
          ...demoCatalog.coupons,
          { code: CouponCode.make("HUGE"), type: "FLAT", amount: minor(100_000), min_subtotal: minor(0), valid_until: "2099-12-31" },
          { code: CouponCode.make("ALL"), type: "PERCENT", percent: 100, min_subtotal: minor(0), valid_until: "2099-12-31" }
        ]
      }
      const marketing = yield* simulatorToday(catalog)
      const { coupons } = yield* marketing.operations.validateCoupons({
        payload: { codes: codes("HUGE", "ALL"), subtotal: minor(1_234) }
      })
      assert.deepStrictEqual<unknown>(
        coupons.map((c) => c.discount),
        [-1_234, -1_234]
      )
      const zero = yield* marketing.operations.validateCoupons({ payload: { codes: codes("HUGE"), subtotal: minor(0) } })
      assert.isTrue(Object.is(zero.coupons[0]?.discount, 0))
    })
  )

  it.effect("offers the phone combo only with a phone, and free delivery always", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const withPhone = yield* marketing.operations.promotionsApplicable({
        payload: { product_ids: products("prod_case", "prod_phone") }
      })
      assert.deepStrictEqual<unknown>(
        withPhone.promotions.map((p) => p.promotion_id),
        ["promo_combo_case", "promo_free_delivery"]
      )
      const withoutPhone = yield* marketing.operations.promotionsApplicable({
        payload: { product_ids: products("prod_case") }
      })
      assert.deepStrictEqual<unknown>(
        withoutPhone.promotions.map((p) => p.promotion_id),
        ["promo_free_delivery"]
      )
    })
  )

  it.effect("finds bundle_123 with prod_phone in the cart", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const { bundles } = yield* marketing.operations.bundlesApplicable({ payload: { product_ids: products("prod_phone") } })
      assert.deepStrictEqual<unknown>(bundles, [
        {
          bundle_id: "bundle_123",
          name: "Complete Accessory Kit",
          product_ids: ["prod_case", "prod_screen", "prod_earbuds"],
          bundle_price: 139_900
        }
      ])
      const none = yield* marketing.operations.bundlesApplicable({ payload: { product_ids: products("prod_case") } })
      assert.deepStrictEqual<unknown>(none.bundles, [])
    })
  )

  it.effect("offers free delivery while the amount is below its threshold", () =>
    Effect.gen(function* () {
      const marketing = yield* simulatorToday()
      const below = yield* marketing.operations.thresholdOffers({ payload: { current_amount: minor(50_000) } })
      assert.deepStrictEqual<unknown>(below.offers, [
        { promotion_id: "promo_free_delivery", benefit: "FREE_DELIVERY", target_amount: 59_900 }
      ])
      const reached = yield* marketing.operations.thresholdOffers({ payload: { current_amount: minor(59_900) } })
      assert.deepStrictEqual<unknown>(reached.offers, [])
    })
  )
})
