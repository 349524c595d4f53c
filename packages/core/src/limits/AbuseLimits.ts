import { Clock, Context, Effect, Layer, Schema } from "effect"
import { BurstyRateLimiter, type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import { RateLimited } from "../domain/Errors.ts"
import type { DomainId } from "../domain/Ids.ts"
import { keyScope } from "../domain/IdempotencyKey.ts"
import type { Owner } from "../domain/Owner.ts"
import { recordRateLimited } from "../observability/Telemetry.ts"
import { keys } from "../stores/keys.ts"
import { decodeReply, RedisConnection } from "../stores/RedisConnection.ts"
import type { StoreUnavailable } from "../stores/StoreUnavailable.ts"
import { AbuseLimitsConfig, type AbuseLimitsOptions, type WindowLimit } from "./AbuseLimitsConfig.ts"

/** Limits that count every attempt, refused once the window's attempts are used up. */
export type AttemptLimit = "mutations" | "place_order_attempts"
/** Limits that count failures after the fact, checked before the next try. */
export type FailureLimit = "coupon_failures" | "wallet_otp_failures"
/** Every limit, as `error.details.limit` and the `limit` label of `orchestra_rate_limited_total` name it. */
export type LimitName = AttemptLimit | FailureLimit | "pending_checkouts"

/** Whose attempts an owner's limits count: the owner across its carts. */
export const ownerSubject = (owner: Owner): string => keyScope(owner)
/** Whose attempts a wallet's OTP limit counts: the wallet, whoever uses it. */
export const walletSubject = (domainId: DomainId, walletId: string): string => `${domainId}:wallet:${walletId}`

const what: Record<LimitName, string> = {
  mutations: "cart changes",
  place_order_attempts: "place-order attempts",
  coupon_failures: "invalid coupon codes",
  wallet_otp_failures: "wrong wallet OTPs",
  pending_checkouts: "checkouts waiting for payment"
}

const refusal = (limit: LimitName, msBeforeNext: number) => {
  const retryAfterS = Math.max(1, Math.ceil(msBeforeNext / 1000))
  return Effect.andThen(
    recordRateLimited(limit),
    Effect.fail(
      new RateLimited({
        message: `Too many ${what[limit]}; retry in ${retryAfterS} s`,
        details: { limit, retry_after_s: retryAfterS }
      })
    )
  )
}

/** What an attempt limit is asked: one of the library's limiters, or a steady one with a burst pool behind it. */
interface AttemptCounter {
  readonly consume: (key: string, points: number) => Promise<RateLimiterRes>
}

/** The slots of checkouts waiting for payment, per subject; idempotent per checkout (activities run at least once). */
interface PendingSlots {
  /** Holds a slot for `checkoutId` until `now + ttlMs`; the ms until the oldest slot lapses when all `max` are taken. */
  readonly hold: (subject: string, checkoutId: string, now: number) => Effect.Effect<{ readonly held: boolean; readonly msBeforeNext: number }, StoreUnavailable>
  readonly release: (subject: string, checkoutId: string) => Effect.Effect<void, StoreUnavailable>
}

type MakeLimiter = (limit: WindowLimit & { readonly name: string }) => RateLimiterAbstract

const make = (options: AbuseLimitsOptions, limiterOf: MakeLimiter, pending: PendingSlots) => {
  const limiter = (name: string, limit: WindowLimit): RateLimiterAbstract | undefined =>
    limit.points === 0 ? undefined : limiterOf({ ...limit, name })
  const rate = limiter("mutations", { points: options.mutations.perSecond, windowS: 1 })
  const burst = limiter("mutations_burst", { points: options.mutations.burst, windowS: 60 })
  const attempts: Record<AttemptLimit, AttemptCounter | undefined> = {
    // The burst pool is drawn from only once the steady rate of the second is used up.
    mutations: rate === undefined || burst === undefined ? rate : new BurstyRateLimiter(rate, burst),
    place_order_attempts: limiter("place_order_attempts", options.placeOrderAttempts)
  }
  const failures: Record<FailureLimit, RateLimiterAbstract | undefined> = {
    coupon_failures: limiter("coupon_failures", options.couponFailures),
    wallet_otp_failures: limiter("wallet_otp_failures", options.walletOtpFailures)
  }
  const pointsOf: Record<FailureLimit, number> = {
    coupon_failures: options.couponFailures.points,
    wallet_otp_failures: options.walletOtpFailures.points
  }

  // A limit protects the service; it never takes it down. An unexpected failure of the counter
  // (Redis outages go to the in-memory insurance limiter first) lets the request through.
  const ask = <A, E>(limit: LimitName, run: () => Promise<A>, onRefused: (res: RateLimiterRes) => Effect.Effect<A, E>, fallback: A) =>
    Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
      Effect.catch((error) =>
        error instanceof RateLimiterRes
          ? onRefused(error)
          : Effect.as(Effect.logWarning(`abuse limit ${limit} not applied`, { error: String(error) }), fallback)
      )
    )

  return AbuseLimits.of({
    attempt: (limit, subject) => {
      const counter = attempts[limit]
      if (counter === undefined) return Effect.void
      return Effect.asVoid(
        ask(limit, () => counter.consume(keys.limitSubject(subject), 1), (res) => refusal(limit, res.msBeforeNext), undefined)
      )
    },
    check: (limit, subject) => {
      const counter = failures[limit]
      if (counter === undefined) return Effect.void
      return Effect.flatMap(
        ask(limit, () => counter.get(keys.limitSubject(subject)), () => Effect.succeed(null), null),
        (res) => (res !== null && res.consumedPoints >= pointsOf[limit] ? refusal(limit, res.msBeforeNext) : Effect.void)
      )
    },
    recordFailures: (limit, subject, count) => {
      const counter = failures[limit]
      if (counter === undefined || count <= 0) return Effect.void
      return Effect.asVoid(ask(limit, () => counter.penalty(keys.limitSubject(subject), count), () => Effect.succeed(undefined), undefined))
    },
    holdPending: (subject, checkoutId) =>
      options.pendingCheckouts.max === 0
        ? Effect.void
        : Clock.currentTimeMillis.pipe(
            Effect.flatMap((now) => pending.hold(subject, checkoutId, now)),
            Effect.catchTag("StoreUnavailable", (error) =>
              Effect.as(Effect.logWarning("abuse limit pending_checkouts not applied", { error: error.message }), { held: true, msBeforeNext: 0 })
            ),
            Effect.flatMap((slot) => (slot.held ? Effect.void : refusal("pending_checkouts", slot.msBeforeNext)))
          ),
    releasePending: (subject, checkoutId) =>
      pending
        .release(subject, checkoutId)
        .pipe(Effect.catchTag("StoreUnavailable", (error) => Effect.logWarning("pending checkout slot not released", { error: error.message })))
  })
}

const pendingInMemory = (options: AbuseLimitsOptions): PendingSlots => {
  const { max, ttlS } = options.pendingCheckouts
  const slots = new Map<string, Map<string, number>>()
  return {
    hold: (subject, checkoutId, now) =>
      Effect.sync(() => {
        const held = slots.get(subject) ?? new Map<string, number>()
        for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id)
        slots.set(subject, held)
        if (held.has(checkoutId)) return { held: true, msBeforeNext: 0 }
        if (held.size >= max) return { held: false, msBeforeNext: Math.min(...held.values()) - now }
        held.set(checkoutId, now + ttlS * 1000)
        return { held: true, msBeforeNext: 0 }
      }),
    release: (subject, checkoutId) =>
      Effect.sync(() => {
        const held = slots.get(subject)
        held?.delete(checkoutId)
        if (held?.size === 0) slots.delete(subject)
      })
  }
}

// One sorted set per subject (one key, one slot): members are checkout ids, scores when their slot lapses.
const holdScript = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return {1, 0} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) - tonumber(ARGV[1])}
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, 0}`

const pendingInRedis = (options: AbuseLimitsOptions, conn: RedisConnection["Service"]): PendingSlots => {
  const { max, ttlS } = options.pendingCheckouts
  const decodeHold = decodeReply("AbuseLimits", Schema.Tuple([Schema.Literals([0, 1]), Schema.Finite]))
  return {
    hold: (subject, checkoutId, now) =>
      conn.eval("AbuseLimits", holdScript, [keys.limit("pending_checkouts", subject)], [now, ttlS * 1000, max, checkoutId]).pipe(
        Effect.flatMap(decodeHold),
        Effect.map(([held, msBeforeNext]) => ({ held: held === 1, msBeforeNext }))
      ),
    release: (subject, checkoutId) =>
      Effect.asVoid(conn.run("AbuseLimits", (client) => client.zrem(keys.limit("pending_checkouts", subject), checkoutId)))
  }
}

const memoryLimiter: MakeLimiter = (limit) =>
  new RateLimiterMemory({ keyPrefix: keys.limitPrefix(limit.name), points: limit.points, duration: limit.windowS })

const memory = (options: AbuseLimitsOptions) => make(options, memoryLimiter, pendingInMemory(options))

const redis = (options: AbuseLimitsOptions, conn: RedisConnection["Service"]) =>
  make(
    options,
    (limit) =>
      new RateLimiterRedis({
        storeClient: conn.client,
        // `limit:<name>:{<subject>}`: hash-tagged by subject (keys.ts), so a cluster never splits a limit.
        keyPrefix: keys.limitPrefix(limit.name),
        points: limit.points,
        duration: limit.windowS,
        // While Redis does not answer, each instance limits on its own rather than not at all.
        insuranceLimiter: memoryLimiter(limit)
      }),
    pendingInRedis(options, conn)
  )

/** No limits: what flows built without an `AbuseLimits` (the CLI's simulations, flow tests) run with. */
export const noAbuseLimits: AbuseLimits["Service"] = {
  attempt: () => Effect.void,
  check: () => Effect.void,
  recordFailures: () => Effect.void,
  holdPending: () => Effect.void,
  releasePending: () => Effect.void
}

/**
 * The abuse limits of DESIGN §3, per owner (or per wallet), shared by every instance through Redis
 * or kept in this process. Counting is `rate-limiter-flexible`'s (fixed windows); checkouts waiting
 * for payment are slots held per checkout id, so holding or releasing one twice counts once.
 * Beyond a limit: `RateLimited` naming it, with the seconds until the next attempt is allowed.
 */
export class AbuseLimits extends Context.Service<
  AbuseLimits,
  {
    /** Counts one attempt; refused when the subject's attempts in the window are used up. */
    readonly attempt: (limit: AttemptLimit, subject: string) => Effect.Effect<void, RateLimited>
    /** Refused when the subject's failures in the window are used up; counts nothing. Ask before trying. */
    readonly check: (limit: FailureLimit, subject: string) => Effect.Effect<void, RateLimited>
    /** Counts `count` failures of the subject. Call after trying. */
    readonly recordFailures: (limit: FailureLimit, subject: string, count: number) => Effect.Effect<void>
    /** Holds a pending-checkout slot for `checkoutId`; refused when every slot of the subject is held by another. */
    readonly holdPending: (subject: string, checkoutId: string) => Effect.Effect<void, RateLimited>
    /** Gives `checkoutId`'s slot back (paid, cancelled or expired); nothing when it holds none. */
    readonly releasePending: (subject: string, checkoutId: string) => Effect.Effect<void>
  }
>()("orchestra/AbuseLimits") {
  static readonly layerMemoryWith = (options: AbuseLimitsOptions) => Layer.sync(AbuseLimits, () => memory(options))
  static readonly layerRedisWith = (options: AbuseLimitsOptions) =>
    Layer.effect(
      AbuseLimits,
      Effect.gen(function* () {
        return redis(options, yield* RedisConnection)
      })
    )
  /** In this process, configured from the environment. */
  static readonly layerMemory = Layer.unwrap(Effect.map(AbuseLimitsConfig, AbuseLimits.layerMemoryWith))
  /** Shared through Redis, configured from the environment. */
  static readonly layerRedis = Layer.unwrap(Effect.map(AbuseLimitsConfig, AbuseLimits.layerRedisWith))
}
