import { describe, expect, it, type Vitest } from "@effect/vitest"
import { Effect, Layer, type Scope } from "effect"
import { TestClock } from "effect/testing"
import { RedisConnection } from "../../src/stores/RedisConnection.ts"
import { redisAnswers } from "../../src/stores/redisAnswers.ts"
import { StoreUnavailable } from "../../src/stores/StoreUnavailable.ts"

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
/** Nothing listens here: the Redis layers must build anyway, and their calls fail with StoreUnavailable, quickly. */
export const deadRedisUrl = "redis://127.0.0.1:6390"

const reachable = await redisAnswers(redisUrl)
// Locally a missing Redis skips its suites; in CI it must fail them instead of hiding them.
export const skipRedis = !reachable && !process.env.CI

export const redisConnection = RedisConnection.layerFromUrl(redisUrl)

export const randomId = (prefix: string) => `${prefix}-${crypto.randomUUID()}`

type Values<Arbs extends Vitest.Arbitraries> = { [K in keyof Arbs]: Vitest.ArbitraryValue<Arbs[K]> }

export interface StoreSuite<S> {
  readonly backend: "memory" | "redis"
  /** A test with the store provided: memory runs on the TestClock, Redis on real time. */
  readonly it: <A, E>(name: string, body: () => Effect.Effect<A, E, S | Scope.Scope>) => void
  readonly prop: <const Arbs extends Vitest.Arbitraries, A, E>(
    name: string,
    arbitraries: Arbs,
    body: (values: Values<Arbs>) => Effect.Effect<A, E, S | Scope.Scope>
  ) => void
  /** Lets `ms` pass: TestClock.adjust in memory, a real sleep against Redis. */
  readonly advance: (ms: number) => Effect.Effect<void>
  /**
   * Checks that `key` lives `ttlMs`: memory moves the TestClock to just before and at the deadline and asks
   * `present` each time; Redis reads the key's PTTL.
   */
  readonly expectExpiry: <R>(
    key: string,
    ttlMs: number,
    present: Effect.Effect<boolean, StoreUnavailable, R>
  ) => Effect.Effect<void, StoreUnavailable, R>
}

const pttl = (key: string) =>
  Effect.gen(function* () {
    const conn = yield* RedisConnection
    return yield* conn.run("test", (c) => c.pttl(key))
  }).pipe(Effect.provide(redisConnection))

/**
 * Registers one behavioural suite twice, against the memory layer and against the Redis layer, plus the
 * Redis-only outage checks (`probe` is any call of the store).
 */
export const storeSuite = <S>(
  name: string,
  layers: {
    readonly memory: Layer.Layer<S>
    readonly redis: Layer.Layer<S, StoreUnavailable, RedisConnection>
    readonly probe: Effect.Effect<unknown, StoreUnavailable, S>
  },
  body: (suite: StoreSuite<S>) => void
) => {
  describe(`${name} (memory)`, () => {
    const layer = layers.memory
    body({
      backend: "memory",
      it: (testName, test) => it.effect(testName, () => Effect.provide(test(), layer)),
      prop: (testName, arbitraries, test) =>
        it.effect.prop(testName, arbitraries, (values) => Effect.provide(test(values), layer)),
      advance: (ms) => TestClock.adjust(ms),
      expectExpiry: (_key, ttlMs, present) =>
        Effect.gen(function* () {
          expect(yield* present).toBe(true)
          yield* TestClock.adjust(ttlMs - 1)
          expect(yield* present).toBe(true)
          yield* TestClock.adjust(1)
          expect(yield* present).toBe(false)
        })
    })
  })

  describe.skipIf(skipRedis)(`${name} (redis)`, () => {
    const layer = layers.redis.pipe(Layer.provide(redisConnection))
    body({
      backend: "redis",
      it: (testName, test) => it.live(testName, () => Effect.provide(test(), layer)),
      prop: (testName, arbitraries, test) =>
        it.live.prop(testName, arbitraries, (values) => Effect.provide(test(values), layer)),
      advance: (ms) => Effect.sleep(ms),
      expectExpiry: (key, ttlMs, present) =>
        Effect.gen(function* () {
          expect(yield* present).toBe(true)
          const remaining = yield* pttl(key)
          expect(remaining).toBeGreaterThan(ttlMs - 5_000)
          expect(remaining).toBeLessThanOrEqual(ttlMs)
        })
    })

    // "Down" is the failure of a command refused at once for want of a connection, not one that waited for a timeout.
    it.live("an unreachable Redis still builds the layer (an outage at start is like any other); calls fail at once with StoreUnavailable (Down)", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(layers.probe)
        expect(error).toBeInstanceOf(StoreUnavailable)
        expect(error.reason).toBe("Down")
      }).pipe(Effect.provide(layers.redis.pipe(Layer.provide(RedisConnection.layerFromUrl(deadRedisUrl)))))
    )

    it.live("a lost connection makes calls fail at once with StoreUnavailable (Down), not a defect", () =>
      Effect.gen(function* () {
        const conn = yield* RedisConnection
        conn.client.disconnect()
        const error = yield* Effect.flip(layers.probe)
        expect(error).toBeInstanceOf(StoreUnavailable)
        expect(error.reason).toBe("Down")
      }).pipe(Effect.provide(layers.redis.pipe(Layer.provideMerge(RedisConnection.layerFromUrl(redisUrl)))))
    )
  })
}
