import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { RateLimited } from "../../src/domain/Errors.ts"
import { AbuseLimits } from "../../src/limits/AbuseLimits.ts"
import { type AbuseLimitsOptions, defaultAbuseLimits } from "../../src/limits/AbuseLimitsConfig.ts"
import { RedisConnection } from "../../src/stores/RedisConnection.ts"
import { deadRedisUrl, randomId, redisConnection, skipRedis } from "../support/redis.ts"

const options: AbuseLimitsOptions = {
  mutations: { perSecond: 1, burst: 2 },
  placeOrderAttempts: { points: 3, windowS: 600 },
  couponFailures: { points: 4, windowS: 600 },
  walletOtpFailures: { points: 5, windowS: 900 },
  pendingCheckouts: { max: 2, ttlS: 60 }
}

const refusedLimit = (error: RateLimited) => (error.details as { readonly limit: string }).limit
const retryAfter = (error: RateLimited) => (error.details as { readonly retry_after_s: number }).retry_after_s

/** The same behaviour from the memory layer and the Redis layer. */
const suite = (backend: string, layer: Layer.Layer<AbuseLimits>, run: typeof it.effect) =>
  describe(`AbuseLimits (${backend})`, () => {
    run("place-order attempts: the limit's attempts pass, the next is refused naming the limit, with the window's remaining seconds", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const owner = randomId("dom:c:owner")
        for (let i = 0; i < 3; i++) yield* limits.attempt("place_order_attempts", owner)
        const refused = yield* Effect.flip(limits.attempt("place_order_attempts", owner))
        expect(refused).toBeInstanceOf(RateLimited)
        expect(refusedLimit(refused)).toBe("place_order_attempts")
        expect(retryAfter(refused)).toBeGreaterThan(590)
        expect(retryAfter(refused)).toBeLessThanOrEqual(600)
        // Another owner has its own attempts.
        yield* limits.attempt("place_order_attempts", randomId("dom:c:other"))
      }).pipe(Effect.provide(layer))
    )

    run("mutations: past the steady rate the burst pool serves, then the owner is refused until the second is over", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const owner = randomId("dom:s:guest")
        // Rate 1 + burst 2: three pass within a second (a second that ends on the way only adds more).
        for (let i = 0; i < 3; i++) yield* limits.attempt("mutations", owner)
        let refused: RateLimited | undefined
        for (let i = 0; i < 20 && refused === undefined; i++) {
          refused = yield* limits.attempt("mutations", owner).pipe(
            Effect.as(undefined),
            Effect.catch((error) => Effect.succeed(error))
          )
        }
        expect(refused).toBeInstanceOf(RateLimited)
        expect(refusedLimit(refused!)).toBe("mutations")
        // The steady rate comes back with the next second, long before the burst pool refills.
        expect(retryAfter(refused!)).toBe(1)
      }).pipe(Effect.provide(layer))
    )

    run("coupon failures: checking counts nothing; once the failures are used up, the check refuses", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const owner = randomId("dom:c:coupons")
        for (let i = 0; i < 10; i++) yield* limits.check("coupon_failures", owner)
        yield* limits.recordFailures("coupon_failures", owner, 3)
        yield* limits.check("coupon_failures", owner)
        yield* limits.recordFailures("coupon_failures", owner, 1)
        const refused = yield* Effect.flip(limits.check("coupon_failures", owner))
        expect(refusedLimit(refused)).toBe("coupon_failures")
        // The wallet OTP limit is counted apart.
        yield* limits.check("wallet_otp_failures", owner)
      }).pipe(Effect.provide(layer))
    )

    run("wallet OTP: five failures are allowed, the sixth attempt is refused before it is tried", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const wallet = randomId("dom:wallet:wal")
        for (let failure = 0; failure < 5; failure++) {
          yield* limits.check("wallet_otp_failures", wallet)
          yield* limits.recordFailures("wallet_otp_failures", wallet, 1)
        }
        const refused = yield* Effect.flip(limits.check("wallet_otp_failures", wallet))
        expect(refusedLimit(refused)).toBe("wallet_otp_failures")
        expect(retryAfter(refused)).toBeGreaterThan(890)
      }).pipe(Effect.provide(layer))
    )

    run("pending checkouts: slots per checkout id, held or released twice counting once", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const owner = randomId("dom:c:pending")
        yield* limits.holdPending(owner, "order-1")
        yield* limits.holdPending(owner, "order-1")
        yield* limits.holdPending(owner, "order-2")
        const refused = yield* Effect.flip(limits.holdPending(owner, "order-3"))
        expect(refusedLimit(refused)).toBe("pending_checkouts")
        expect(retryAfter(refused)).toBeGreaterThan(0)
        expect(retryAfter(refused)).toBeLessThanOrEqual(60)
        yield* limits.releasePending(owner, "order-1")
        yield* limits.releasePending(owner, "order-1")
        yield* limits.holdPending(owner, "order-3")
        expect(refusedLimit(yield* Effect.flip(limits.holdPending(owner, "order-4")))).toBe("pending_checkouts")
      }).pipe(Effect.provide(layer))
    )

    run("a limit set to 0 is off", () =>
      Effect.gen(function* () {
        const limits = yield* AbuseLimits
        const owner = randomId("dom:c:unlimited")
        for (let i = 0; i < 50; i++) yield* limits.attempt("place_order_attempts", owner)
        yield* limits.recordFailures("coupon_failures", owner, 100)
        yield* limits.check("coupon_failures", owner)
      }).pipe(
        Effect.provide(
          backend === "memory"
            ? AbuseLimits.layerMemoryWith({ ...options, placeOrderAttempts: { points: 0, windowS: 1 }, couponFailures: { points: 0, windowS: 1 } })
            : AbuseLimits.layerRedisWith({ ...options, placeOrderAttempts: { points: 0, windowS: 1 }, couponFailures: { points: 0, windowS: 1 } }).pipe(
                Layer.provide(redisConnection)
              )
        )
      )
    )
  })

suite("memory", AbuseLimits.layerMemoryWith(options), it.effect)

describe("AbuseLimits (memory, virtual time)", () => {
  it.effect("a pending slot never released lapses after its TTL", () =>
    Effect.gen(function* () {
      const limits = yield* AbuseLimits
      yield* limits.holdPending("owner", "a")
      yield* limits.holdPending("owner", "b")
      yield* TestClock.adjust(59_999)
      expect(refusedLimit(yield* Effect.flip(limits.holdPending("owner", "c")))).toBe("pending_checkouts")
      yield* TestClock.adjust(1)
      yield* limits.holdPending("owner", "c")
    }).pipe(Effect.provide(AbuseLimits.layerMemoryWith(options)))
  )

  it.effect("the defaults are the documented ones", () =>
    Effect.sync(() =>
      expect(defaultAbuseLimits).toEqual({
        mutations: { perSecond: 10, burst: 30 },
        placeOrderAttempts: { points: 10, windowS: 600 },
        couponFailures: { points: 10, windowS: 600 },
        walletOtpFailures: { points: 5, windowS: 900 },
        pendingCheckouts: { max: 3, ttlS: 1_800 }
      })
    )
  )
})

describe.skipIf(skipRedis)("AbuseLimits over Redis", () => {
  suite("redis", AbuseLimits.layerRedisWith(options).pipe(Layer.provide(redisConnection)), it.live)

  it.live("the counters live under the subject's hash tag", () =>
    Effect.gen(function* () {
      const limits = yield* AbuseLimits
      const conn = yield* RedisConnection
      const owner = randomId("dom:c:keys")
      yield* limits.attempt("place_order_attempts", owner)
      yield* limits.holdPending(owner, "order-1")
      expect(yield* conn.run("test", (c) => c.get(`limit:place_order_attempts:{${owner}}`))).toBe("1")
      expect(yield* conn.run("test", (c) => c.zcard(`limit:pending_checkouts:{${owner}}`))).toBe(1)
    }).pipe(Effect.provide(AbuseLimits.layerRedisWith(options).pipe(Layer.provideMerge(redisConnection))))
  )

  it.live("with Redis down, each instance still limits on its own (the in-memory insurance limiter)", () =>
    Effect.gen(function* () {
      const limits = yield* AbuseLimits
      const owner = randomId("dom:c:outage")
      for (let i = 0; i < 3; i++) yield* limits.attempt("place_order_attempts", owner)
      expect(refusedLimit(yield* Effect.flip(limits.attempt("place_order_attempts", owner)))).toBe("place_order_attempts")
    }).pipe(Effect.provide(AbuseLimits.layerRedisWith(options).pipe(Layer.provide(RedisConnection.layerFromUrl(deadRedisUrl)))))
  )
})
