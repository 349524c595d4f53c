import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { type CachedCart, CartCache } from "../../src/stores/CartCache.ts"
import { keys } from "../../src/stores/keys.ts"
import { RedisConnection } from "../../src/stores/RedisConnection.ts"
import { randomId, redisUrl, skipRedis, storeSuite } from "../support/redis.ts"

const TTL_MS = 1_800_000

const entry = (cartId: string, version: number): CachedCart => ({
  cartId,
  version,
  computedAt: 1_700_000_000_000 + version,
  computed: true,
  body: JSON.stringify({ id: cartId, version })
})

const Op = Schema.Struct({
  version: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 30 })),
  invalidate: Schema.Boolean
})

storeSuite(
  "CartCache",
  {
    memory: CartCache.layerMemory,
    redis: CartCache.layerRedis,
    probe: CartCache.use((cache) => cache.get("probe"))
  },
  (t) => {
    t.it("returns what was set, and a miss for unknown carts", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        expect(yield* cache.get(cartId)).toEqual(Option.none())
        expect(yield* cache.set(entry(cartId, 1))).toBe("written")
        expect(yield* cache.get(cartId)).toEqual(Option.some(entry(cartId, 1)))
      })
    )

    t.it("keeps an entry for 1800 s", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        yield* cache.set(entry(cartId, 1))
        yield* t.expectExpiry(keys.cartComputed(cartId), TTL_MS, Effect.map(cache.get(cartId), Option.isSome))
      })
    )

    t.it("refuses an older version; at the same version, takes the same body or a computed one over a not-computed one only", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        expect(yield* cache.set({ ...entry(cartId, 5), computed: false })).toBe("written")
        expect(yield* cache.set(entry(cartId, 4))).toBe("stale")
        expect(yield* cache.set(entry(cartId, 5))).toBe("written")
        // The same version priced from other inputs: one of the two was computed from another cart; the first stays.
        expect(yield* cache.set({ ...entry(cartId, 5), body: "{}" })).toBe("stale")
        expect(yield* cache.set({ ...entry(cartId, 5), computed: false })).toBe("stale")
        expect(yield* cache.set({ ...entry(cartId, 5), computedAt: 1 })).toBe("written")
        expect(Option.map(yield* cache.get(cartId), (c) => [c.body, c.computedAt])).toEqual(Option.some([entry(cartId, 5).body, 1]))
        expect(yield* cache.set({ ...entry(cartId, 6), body: "{}" })).toBe("written")
        expect(Option.map(yield* cache.get(cartId), (c) => c.version)).toEqual(Option.some(6))
      })
    )

    t.it("invalidate leaves a tombstone: a miss that refuses older writes", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        yield* cache.set(entry(cartId, 1))
        yield* cache.invalidate(cartId, 2)
        expect(yield* cache.get(cartId)).toEqual(Option.none())
        expect(yield* cache.set(entry(cartId, 1))).toBe("stale")
        expect(yield* cache.set(entry(cartId, 2))).toBe("written")
        // An invalidation older than the stored entry changes nothing.
        yield* cache.invalidate(cartId, 1)
        expect(Option.map(yield* cache.get(cartId), (c) => c.version)).toEqual(Option.some(2))
      })
    )

    t.it("remove leaves a tombstone that refuses every later write for the cart", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        yield* cache.set(entry(cartId, 3))
        yield* cache.remove(cartId)
        expect(yield* cache.get(cartId)).toEqual(Option.none())
        expect(yield* cache.set(entry(cartId, 3))).toBe("stale")
        expect(yield* cache.set(entry(cartId, 1_000_000))).toBe("stale")
        expect(yield* cache.get(cartId)).toEqual(Option.none())
      })
    )

    t.it("after a missed write nothing written before it is served, and new writes are", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const before = randomId("cart")
        const after = randomId("cart")
        yield* cache.set(entry(before, 2))
        yield* cache.writeMissed
        expect(yield* cache.get(before)).toEqual(Option.none())
        expect(yield* cache.set(entry(after, 1))).toBe("written")
        expect(Option.map(yield* cache.get(after), (c) => c.version)).toEqual(Option.some(1))
        // The old entry's version no longer blocks anything: it belongs to an epoch that is over.
        expect(yield* cache.set(entry(before, 1))).toBe("written")
      })
    )

    t.prop(
      "whatever the interleaving of writes, the stored version is the max written",
      [Schema.Array(Op).check(Schema.isMinLength(1))],
      ([ops]) =>
        Effect.gen(function* () {
          const cache = yield* CartCache
          const cartId = randomId("cart")
          yield* Effect.forEach(
            ops,
            (op) => (op.invalidate ? cache.invalidate(cartId, op.version) : cache.set(entry(cartId, op.version))),
            { concurrency: "unbounded", discard: true }
          )
          const max = Math.max(...ops.map((op) => op.version))
          const stored = yield* cache.get(cartId)
          if (Option.isSome(stored)) expect(stored.value.version).toBe(max)
          expect(yield* cache.set(entry(cartId, max - 1))).toBe("stale")
          expect(yield* cache.set(entry(cartId, max))).toBe("written")
        })
    )

    t.it("indexes an owner's cart for 1800 s until forgotten", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const ownerKey = `shop:${randomId("owner")}:REGULAR`
        const cartId = randomId("cart")
        expect(yield* cache.ownerCartId(ownerKey)).toEqual(Option.none())
        yield* cache.rememberOwner(ownerKey, cartId)
        expect(yield* cache.ownerCartId(ownerKey)).toEqual(Option.some(cartId))
        yield* t.expectExpiry(keys.ownerCart(ownerKey), TTL_MS, Effect.map(cache.ownerCartId(ownerKey), Option.isSome))
        yield* cache.rememberOwner(ownerKey, cartId)
        yield* cache.forgetOwner(ownerKey)
        expect(yield* cache.ownerCartId(ownerKey)).toEqual(Option.none())
      })
    )
  }
)

/**
 * One more orchestrator instance: its own connection to the same Redis, its own view of the
 * epoch, kept under `epochKey` so that these outages do not empty the cache of other tests.
 */
const instance = (epochKey: string) =>
  Effect.tap(
    Layer.build(CartCache.layerRedisWithEpochKey(epochKey).pipe(Layer.provideMerge(RedisConnection.layerFromUrl(redisUrl)))),
    (context) => Effect.addFinalizer(() => Effect.ignore(Context.get(context, RedisConnection).run("test", (c) => c.del(epochKey))))
  )

describe.skipIf(skipRedis)("CartCache epochs over Redis (two instances)", () => {
  it.effect("entries written before a Redis outage are unreachable after it, for every instance", () =>
    Effect.gen(function* () {
      const epochKey = randomId("epoch")
      const a = yield* instance(epochKey)
      const cacheA = Context.get(a, CartCache)
      const cartId = randomId("cart")
      expect(yield* cacheA.set(entry(cartId, 1))).toBe("written")
      // The connection drops (a partition, a Redis restart) and comes back.
      const conn = Context.get(a, RedisConnection)
      conn.client.disconnect(true)
      yield* Effect.promise(() => new Promise<void>((resolve) => conn.client.once("ready", () => resolve())))
      expect(yield* cacheA.get(cartId)).toEqual(Option.none())
      // An instance that saw no outage learns the new epoch when it next checks it (a fresh one at once).
      const cacheB = Context.get(yield* instance(epochKey), CartCache)
      expect(yield* cacheB.get(cartId)).toEqual(Option.none())
      expect(yield* cacheB.set(entry(cartId, 1))).toBe("written")
      expect(Option.map(yield* cacheA.get(cartId), (c) => c.version)).toEqual(Option.some(1))
    })
  )

  it.effect("an instance behind on the epoch still replaces an older version written under the new one", () =>
    Effect.gen(function* () {
      const epochKey = randomId("epoch")
      const cacheA = Context.get(yield* instance(epochKey), CartCache)
      const cacheB = Context.get(yield* instance(epochKey), CartCache)
      const cartId = randomId("cart")
      yield* cacheA.set(entry(cartId, 1))
      // B starts a new epoch and writes version 2 under it; A has not re-read the epoch yet.
      yield* cacheB.writeMissed
      expect(yield* cacheB.set(entry(cartId, 2))).toBe("written")
      expect(yield* cacheA.set(entry(cartId, 3))).toBe("written")
      expect(Option.map(yield* cacheB.get(cartId), (c) => c.version)).toEqual(Option.some(3))
      expect(yield* cacheA.set(entry(cartId, 2))).toBe("stale")
    })
  )

  it.effect("a write missed by one instance makes the others stop serving older entries within a second", () =>
    Effect.gen(function* () {
      const epochKey = randomId("epoch")
      const cacheA = Context.get(yield* instance(epochKey), CartCache)
      const cacheB = Context.get(yield* instance(epochKey), CartCache)
      const cartId = randomId("cart")
      yield* cacheB.set(entry(cartId, 1))
      expect(Option.isSome(yield* cacheB.get(cartId))).toBe(true)
      yield* cacheA.writeMissed
      expect(yield* cacheA.get(cartId)).toEqual(Option.none())
      // B checks the epoch at most a second after its last check (the TestClock's second).
      yield* TestClock.adjust(1_000)
      expect(yield* cacheB.get(cartId)).toEqual(Option.none())
    })
  )
})
