import { expect } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { type CachedCart, CartCache } from "../../src/stores/CartCache.ts"
import { keys } from "../../src/stores/keys.ts"
import { randomId, storeSuite } from "../support/redis.ts"

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

    t.it("refuses an older version as stale and writes an equal or newer one", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        expect(yield* cache.set(entry(cartId, 5))).toBe("written")
        expect(yield* cache.set(entry(cartId, 4))).toBe("stale")
        expect(yield* cache.set({ ...entry(cartId, 5), body: "{}" })).toBe("written")
        expect(Option.map(yield* cache.get(cartId), (c) => c.body)).toEqual(Option.some("{}"))
        expect(yield* cache.set(entry(cartId, 6))).toBe("written")
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

    t.it("remove drops the entry, so any version may be written again", () =>
      Effect.gen(function* () {
        const cache = yield* CartCache
        const cartId = randomId("cart")
        yield* cache.set(entry(cartId, 3))
        yield* cache.remove(cartId)
        expect(yield* cache.get(cartId)).toEqual(Option.none())
        expect(yield* cache.set(entry(cartId, 1))).toBe("written")
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
