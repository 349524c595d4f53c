import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import { StoreUnavailable } from "./StoreUnavailable.ts"

export const CachedCart = Schema.Struct({
  cartId: Schema.String,
  version: Schema.Int,
  computedAt: Schema.Finite,
  computed: Schema.Boolean,
  body: Schema.String
})
export type CachedCart = typeof CachedCart.Type

const TTL_MS = 1_800_000
const STORE = "CartCache"

// A tombstone holds the version of a mutation that left no computed cart, so a slower `set` of an older version is refused.
const Stored = Schema.Union([
  Schema.TaggedStruct("Entry", CachedCart.fields),
  Schema.TaggedStruct("Tombstone", { version: Schema.Int })
])
type Stored = typeof Stored.Type
const StoredJson = Schema.fromJsonString(Stored)

/** The one versioning rule: equal or newer overwrites, older is stale. The Redis script below mirrors it. */
const accepts = (current: Stored | undefined, incoming: Stored) => current === undefined || current.version <= incoming.version

const toCachedCart = (stored: Stored): Option.Option<CachedCart> =>
  stored._tag === "Entry"
    ? Option.some({
        cartId: stored.cartId,
        version: stored.version,
        computedAt: stored.computedAt,
        computed: stored.computed,
        body: stored.body
      })
    : Option.none()

interface Backend {
  readonly read: (cartId: string) => Effect.Effect<Option.Option<Stored>, StoreUnavailable>
  readonly write: (cartId: string, stored: Stored) => Effect.Effect<boolean, StoreUnavailable>
  readonly remove: (cartId: string) => Effect.Effect<void, StoreUnavailable>
  readonly owner: (ownerKey: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
  readonly setOwner: (ownerKey: string, cartId: string) => Effect.Effect<void, StoreUnavailable>
  readonly forgetOwner: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
}

const make = (backend: Backend) =>
  CartCache.of({
    get: (cartId) => Effect.map(backend.read(cartId), Option.flatMap(toCachedCart)),
    set: (entry) =>
      Effect.map(backend.write(entry.cartId, { _tag: "Entry", ...entry }), (written) => (written ? "written" : "stale")),
    invalidate: (cartId, version) => Effect.asVoid(backend.write(cartId, { _tag: "Tombstone", version })),
    remove: backend.remove,
    ownerCartId: backend.owner,
    rememberOwner: backend.setOwner,
    forgetOwner: backend.forgetOwner
  })

interface Expiring<A> {
  readonly value: A
  readonly expiresAt: number
}

const memory = Effect.sync(() => {
  const carts = new Map<string, Expiring<Stored>>()
  const owners = new Map<string, Expiring<string>>()
  const live = <A>(map: Map<string, Expiring<A>>, key: string, now: number) => {
    const found = map.get(key)
    return found !== undefined && found.expiresAt > now ? found.value : undefined
  }
  // Reading the clock first keeps each map update synchronous, hence atomic between fibers.
  const atNow = <A>(f: (now: number) => A) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(now)))
  return make({
    read: (cartId) => atNow((now) => Option.fromUndefinedOr(live(carts, cartId, now))),
    write: (cartId, stored) =>
      atNow((now) => {
        if (!accepts(live(carts, cartId, now), stored)) return false
        carts.set(cartId, { value: stored, expiresAt: now + TTL_MS })
        return true
      }),
    remove: (cartId) => Effect.sync(() => void carts.delete(cartId)),
    owner: (ownerKey) => atNow((now) => Option.fromUndefinedOr(live(owners, ownerKey, now))),
    setOwner: (ownerKey, cartId) => atNow((now) => void owners.set(ownerKey, { value: cartId, expiresAt: now + TTL_MS })),
    forgetOwner: (ownerKey) => Effect.sync(() => void owners.delete(ownerKey))
  })
})

// ARGV[1] = incoming version, ARGV[2] = value, ARGV[3] = ttl ms. An unreadable current value is overwritten.
const writeIfNotOlder = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and type(decoded.version) == 'number' and decoded.version > tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`

const redis = Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeStored = decodeReply(STORE, Schema.NullOr(StoredJson))
  const decodeWritten = decodeReply(STORE, Schema.Literals([0, 1]))
  const encode = (stored: Stored) =>
    Schema.encodeEffect(StoredJson)(stored).pipe(Effect.mapError(StoreUnavailable.fromCause(STORE)))
  return make({
    read: (cartId) =>
      conn.run(STORE, (c) => c.get(keys.cartComputed(cartId))).pipe(
        Effect.flatMap(decodeStored),
        Effect.map(Option.fromNullOr)
      ),
    write: (cartId, stored) =>
      encode(stored).pipe(
        Effect.flatMap((json) =>
          conn.eval(STORE, writeIfNotOlder, [keys.cartComputed(cartId)], [stored.version, json, TTL_MS])
        ),
        Effect.flatMap(decodeWritten),
        Effect.map((written) => written === 1)
      ),
    remove: (cartId) => Effect.asVoid(conn.run(STORE, (c) => c.del(keys.cartComputed(cartId)))),
    owner: (ownerKey) => Effect.map(conn.run(STORE, (c) => c.get(keys.ownerCart(ownerKey))), Option.fromNullOr),
    setOwner: (ownerKey, cartId) =>
      Effect.asVoid(conn.run(STORE, (c) => c.set(keys.ownerCart(ownerKey), cartId, "PX", TTL_MS))),
    forgetOwner: (ownerKey) => Effect.asVoid(conn.run(STORE, (c) => c.del(keys.ownerCart(ownerKey))))
  })
})

export class CartCache extends Context.Service<
  CartCache,
  {
    readonly get: (cartId: string) => Effect.Effect<Option.Option<CachedCart>, StoreUnavailable>
    /** TTL 30 min; refused as "stale" when a newer version (entry or tombstone) is already stored. */
    readonly set: (entry: CachedCart) => Effect.Effect<"written" | "stale", StoreUnavailable>
    /** A mutation at `version` without a fresh computed cart: later `set`s of older versions are refused. */
    readonly invalidate: (cartId: string, version: number) => Effect.Effect<void, StoreUnavailable>
    readonly remove: (cartId: string) => Effect.Effect<void, StoreUnavailable>
    /** Owner index, `<domain>:<owner>:<cartType>` -> cart id, TTL 30 min. */
    readonly ownerCartId: (ownerKey: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    readonly rememberOwner: (ownerKey: string, cartId: string) => Effect.Effect<void, StoreUnavailable>
    readonly forgetOwner: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
  }
>()("orchestra/CartCache") {
  static readonly layerMemory = Layer.effect(CartCache, memory)
  static readonly layerRedis = Layer.effect(CartCache, redis)
}
