import { Clock, Effect } from "effect"
import type { CouponCode, CustomerId, OrderId } from "@orchestra/core/domain/Ids"
import { applyPercent, minor } from "@orchestra/core/domain/Money"
import type { Operations } from "@orchestra/core/services/Downstream"
import { ResourceConflict } from "@orchestra/core/services/DownstreamErrors"
import type { CouponDefinition, CouponValidation, MarketingGroup, ThresholdOffer } from "@orchestra/core/services/Marketing"
import type { Catalog } from "../catalog/Catalog.ts"

export interface CouponUse {
  readonly code: CouponCode
  readonly customer_id?: CustomerId
  readonly order_id: OrderId
  readonly idempotency_key: string
}

export interface MarketingSimulator {
  readonly operations: Operations<typeof MarketingGroup>
  readonly couponUses: () => ReadonlyArray<CouponUse>
  readonly couponOf: (code: string) => CouponDefinition | undefined
  /**
   * Sets the coupon's `valid_until` to yesterday by the effect's Clock (the incident "the coupon
   * expired between add and checkout"); an Effect because under TestClock "today" is virtual.
   */
  readonly expireCoupon: (code: string) => Effect.Effect<void>
}

const DAY_MS = 86_400_000

/** `valid_until` is a calendar date; comparing YYYY-MM-DD strings orders them correctly. */
const utcDate = (millis: number): string => new Date(millis).toISOString().slice(0, 10)

/** What the coupon takes off `subtotal`, as a non-negative amount. */
const discountOf = (coupon: CouponDefinition, subtotal: number): number => {
  const raw =
    coupon.type === "PERCENT"
      ? Math.min(applyPercent(subtotal, coupon.percent ?? 0), coupon.max_discount ?? Number.POSITIVE_INFINITY)
      : (coupon.amount ?? 0)
  return Math.max(0, Math.min(raw, subtotal))
}

export const makeMarketingSimulator = (catalog: Catalog): Effect.Effect<MarketingSimulator> =>
  Effect.sync(() => {
    const coupons = new Map<string, CouponDefinition>(catalog.coupons.map((c) => [c.code, c]))
    const uses: Array<CouponUse> = []
    const markedByKey = new Map<string, { used: ReadonlyArray<CouponCode> }>()

    const usedBy = (code: string, customerId: CustomerId | undefined): boolean =>
      customerId !== undefined && uses.some((u) => u.code === code && u.customer_id === customerId)

    const freeDelivery = catalog.promotions.filter((p) => p.type === "FREE_DELIVERY")

    const operations: Operations<typeof MarketingGroup> = {
      promotionsApplicable: ({ payload }) =>
        Effect.sync(() => {
          const inCart = new Set<string>(payload.product_ids)
          return {
            promotions: catalog.promotions.filter(
              (p) => p.type === "FREE_DELIVERY" || p.requires_product_ids.some((id) => inCart.has(id))
            )
          }
        }),

      validateCoupons: ({ payload }) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const today = utcDate(now)
          const seen = new Set<string>()
          const results = payload.codes.map((code): CouponValidation => {
            const coupon = coupons.get(code)
            const duplicate = seen.has(code)
            seen.add(code)
            if (coupon === undefined) return { code, valid: false, reason: "NOT_FOUND" }
            if (duplicate) return { code, valid: false, reason: "DUPLICATE" }
            if (coupon.valid_until < today) return { code, valid: false, reason: "EXPIRED" }
            if (payload.subtotal < coupon.min_subtotal) return { code, valid: false, reason: "MIN_SUBTOTAL" }
            if (coupon.once_per_customer === true && usedBy(code, payload.customer_id)) {
              return { code, valid: false, reason: "ALREADY_USED" }
            }
            // `0 - d` rather than `-d`: a zero discount must not become -0 on the wire.
            return { code, valid: true, coupon, discount: minor(0 - discountOf(coupon, payload.subtotal)) }
          })
          return { coupons: results }
        }),

      markCouponsUsed: ({ payload }) =>
        Effect.gen(function* () {
          const previous = markedByKey.get(payload.idempotency_key)
          if (previous !== undefined) return previous
          // A code listed twice is one use of it.
          const codes = [...new Set(payload.codes)]
          for (const code of codes) {
            const coupon = coupons.get(code)
            if (coupon === undefined) {
              return yield* new ResourceConflict({ reason: "NOT_FOUND", message: `coupon ${code} does not exist` })
            }
            if (coupon.once_per_customer === true && usedBy(code, payload.customer_id)) {
              return yield* new ResourceConflict({
                reason: "ALREADY_USED",
                message: `coupon ${code} was already used by ${payload.customer_id ?? "this customer"}`
              })
            }
          }
          for (const code of codes) {
            uses.push({
              code,
              ...(payload.customer_id === undefined ? {} : { customer_id: payload.customer_id }),
              order_id: payload.order_id,
              idempotency_key: payload.idempotency_key
            })
          }
          const result = { used: codes }
          markedByKey.set(payload.idempotency_key, result)
          return result
        }),

      bundlesApplicable: ({ payload }) =>
        Effect.sync(() => {
          const inCart = new Set<string>(payload.product_ids)
          return {
            bundles: catalog.recommendations.bundles
              .filter((b) => b.requires_product_ids.every((id) => inCart.has(id)))
              .map((b) => ({ bundle_id: b.bundle_id, name: b.name, product_ids: b.product_ids, bundle_price: b.bundle_price }))
          }
        }),

      thresholdOffers: ({ payload }) =>
        Effect.sync(() => ({
          offers: freeDelivery
            .filter((p) => p.threshold > payload.current_amount)
            .map((p): typeof ThresholdOffer.Type => ({ promotion_id: p.promotion_id, benefit: "FREE_DELIVERY", target_amount: p.threshold }))
        }))
    }

    return {
      operations,
      couponUses: () => [...uses],
      couponOf: (code) => coupons.get(code),
      expireCoupon: (code) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const coupon = coupons.get(code)
          if (coupon === undefined) return Effect.die(new Error(`MarketingSimulator: unknown coupon ${code}`))
          coupons.set(code, { ...coupon, valid_until: utcDate(now - DAY_MS) })
          return Effect.void
        })
    }
  })
