import { Config, Schema } from "effect"

/** At most `points` in any `windowS` seconds; 0 points turns the limit off. */
export interface WindowLimit {
  readonly points: number
  readonly windowS: number
}

/** DESIGN §3's abuse limits, per owner unless said otherwise. */
export interface AbuseLimitsOptions {
  /** Cart mutations: `perSecond` steadily, plus up to `burst` more in any minute. */
  readonly mutations: { readonly perSecond: number; readonly burst: number }
  readonly placeOrderAttempts: WindowLimit
  /** Coupon codes that did not validate. */
  readonly couponFailures: WindowLimit
  /** Wrong OTPs, per wallet. */
  readonly walletOtpFailures: WindowLimit
  /** Checkouts waiting for payment at once; a slot not released within `ttlS` is dropped. */
  readonly pendingCheckouts: { readonly max: number; readonly ttlS: number }
}

export const defaultAbuseLimits: AbuseLimitsOptions = {
  mutations: { perSecond: 10, burst: 30 },
  placeOrderAttempts: { points: 10, windowS: 600 },
  couponFailures: { points: 10, windowS: 600 },
  walletOtpFailures: { points: 5, windowS: 900 },
  // Longer than the payment window (900 s), so only a checkout that never released its slot loses it.
  pendingCheckouts: { max: 3, ttlS: 1_800 }
}

const setting = (name: string, fallback: number, minimum: number) =>
  Config.schema(Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(minimum))), name).pipe(Config.withDefault(fallback))

const windowLimit = (prefix: string, fallback: WindowLimit) =>
  Config.all({
    points: setting(`ORCHESTRA_LIMIT_${prefix}`, fallback.points, 0),
    windowS: setting(`ORCHESTRA_LIMIT_${prefix}_WINDOW_S`, fallback.windowS, 1)
  })

/** The limits from the environment (`ORCHESTRA_LIMIT_*`); each falls back to its default, and a bad value stops start-up. */
export const AbuseLimitsConfig: Config.Config<AbuseLimitsOptions> = Config.all({
  mutations: Config.all({
    perSecond: setting("ORCHESTRA_LIMIT_MUTATIONS_PER_S", defaultAbuseLimits.mutations.perSecond, 0),
    burst: setting("ORCHESTRA_LIMIT_MUTATIONS_BURST", defaultAbuseLimits.mutations.burst, 0)
  }),
  placeOrderAttempts: windowLimit("PLACE_ORDERS", defaultAbuseLimits.placeOrderAttempts),
  couponFailures: windowLimit("COUPON_FAILURES", defaultAbuseLimits.couponFailures),
  walletOtpFailures: windowLimit("OTP_FAILURES", defaultAbuseLimits.walletOtpFailures),
  pendingCheckouts: Config.all({
    max: setting("ORCHESTRA_LIMIT_PENDING_CHECKOUTS", defaultAbuseLimits.pendingCheckouts.max, 0),
    ttlS: setting("ORCHESTRA_LIMIT_PENDING_CHECKOUT_TTL_S", defaultAbuseLimits.pendingCheckouts.ttlS, 1)
  })
})
