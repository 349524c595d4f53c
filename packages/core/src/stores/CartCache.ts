import { Clock, Context, Effect, Layer, Option, Schema, Semaphore } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import { StoreUnavailable } from "./StoreUnavailable.ts"

export const CachedCart = Schema.Struct({
  cartId: Schema.String,
  /** The cart version the body was computed (or, not computed, read) from. */
  version: Schema.Int,
  computedAt: Schema.Finite,
  computed: Schema.Boolean,
  body: Schema.String
})
export type CachedCart = typeof CachedCart.Type

const TTL_MS = 1_800_000
const STORE = "CartCache"
/** The version of a deleted cart's tombstone: it refuses every write for that cart id. */
export const DELETED_VERSION = Number.MAX_SAFE_INTEGER
/** How stale this process' idea of the cache epoch may get: another instance's bump is seen within this. */
const EPOCH_CHECK_MS = 1_000

/**
 * A tombstone says "the cart is at this version or newer, and there is no computed cart for it":
 * a write from an older version is refused.
 */
const Stored = Schema.Union([
  Schema.TaggedStruct("Entry", { ...CachedCart.fields, epoch: Schema.Finite }),
  Schema.TaggedStruct("Tombstone", { version: Schema.Int, epoch: Schema.Finite })
])
type Stored = typeof Stored.Type
const StoredJson = Schema.fromJsonString(Stored)

/**
 * The one replacement rule (the Redis script below mirrors it). A newer cart version replaces, an
 * older one never does. At the same version a tombstone gives way to an entry; an entry is
 * replaced only by the same body (a fresher `computedAt`) or by a computed body where it held a
 * not-computed one (the lite flows cache what they wrote, the next full read prices it): two
 * different bodies of one version mean one was priced from another cart than the one now stored,
 * and the first stays. An entry of an older epoch is gone. One of a newer epoch is not replaced
 * by a writer that is behind on the epoch: over Redis that writer learns the epoch and writes
 * again under it (a refusal would leave the newer epoch's older version in place).
 */
const accepts = (current: Stored | undefined, incoming: Stored): boolean => {
  if (current === undefined || current.epoch < incoming.epoch) return true
  if (current.epoch > incoming.epoch || current.version > incoming.version) return false
  if (current.version < incoming.version || current._tag === "Tombstone") return true
  if (incoming._tag === "Tombstone") return false
  return incoming.computed === current.computed ? incoming.body === current.body : incoming.computed
}

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
  readonly owner: (ownerKey: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
  readonly setOwner: (ownerKey: string, cartId: string) => Effect.Effect<void, StoreUnavailable>
  readonly forgetOwner: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
  /** The epoch a guest was marked settled in, if it is. */
  readonly guestMark: (ownerKey: string) => Effect.Effect<Option.Option<number>, StoreUnavailable>
  readonly setGuestMark: (ownerKey: string, epoch: number) => Effect.Effect<void, StoreUnavailable>
  readonly clearGuestMark: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
  /**
   * The epoch entries are written and read in. Once a write was missed, the next call that
   * reaches the store starts a new epoch first, so nothing written before it is read again.
   */
  readonly epoch: Effect.Effect<number, StoreUnavailable>
  readonly writeMissed: Effect.Effect<void>
}

const make = (backend: Backend) => {
  const write = (cartId: string, entry: (epoch: number) => Stored) =>
    Effect.flatMap(backend.epoch, (epoch) => backend.write(cartId, entry(epoch))).pipe(
      // Unanswered, the write may or may not have landed: the old entry must not be served either way.
      Effect.tapError(() => backend.writeMissed)
    )
  return CartCache.of({
    get: (cartId) =>
      Effect.flatMap(backend.epoch, (epoch) =>
        Effect.map(backend.read(cartId), Option.flatMap((stored) => (stored.epoch === epoch ? toCachedCart(stored) : Option.none())))
      ),
    set: (entry) => Effect.map(write(entry.cartId, (epoch) => ({ _tag: "Entry", ...entry, epoch })), (written) => (written ? "written" : "stale")),
    invalidate: (cartId, version) => Effect.asVoid(write(cartId, (epoch) => ({ _tag: "Tombstone", version, epoch }))),
    remove: (cartId) => Effect.asVoid(write(cartId, (epoch) => ({ _tag: "Tombstone", version: DELETED_VERSION, epoch }))),
    writeMissed: backend.writeMissed,
    // A mark of an earlier epoch is no mark: an instance that missed clearing one starts a new epoch.
    guestSettled: (ownerKey) =>
      Effect.flatMap(backend.epoch, (epoch) => Effect.map(backend.guestMark(ownerKey), (mark) => Option.isSome(mark) && mark.value === epoch)),
    settleGuest: (ownerKey) => Effect.flatMap(backend.epoch, (epoch) => backend.setGuestMark(ownerKey, epoch)),
    unsettleGuest: (ownerKey) => backend.clearGuestMark(ownerKey).pipe(Effect.tapError(() => backend.writeMissed)),
    ownerCartId: backend.owner,
    rememberOwner: backend.setOwner,
    forgetOwner: backend.forgetOwner
  })
}

interface Expiring<A> {
  readonly value: A
  readonly expiresAt: number
}

const memory = Effect.sync(() => {
  const carts = new Map<string, Expiring<Stored>>()
  const owners = new Map<string, Expiring<string>>()
  const guestMarks = new Map<string, Expiring<number>>()
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
    owner: (ownerKey) => atNow((now) => Option.fromUndefinedOr(live(owners, ownerKey, now))),
    setOwner: (ownerKey, cartId) => atNow((now) => void owners.set(ownerKey, { value: cartId, expiresAt: now + TTL_MS })),
    forgetOwner: (ownerKey) => Effect.sync(() => void owners.delete(ownerKey)),
    guestMark: (ownerKey) => atNow((now) => Option.fromUndefinedOr(live(guestMarks, ownerKey, now))),
    setGuestMark: (ownerKey, epoch) => atNow((now) => void guestMarks.set(ownerKey, { value: epoch, expiresAt: now + TTL_MS })),
    clearGuestMark: (ownerKey) => Effect.sync(() => void guestMarks.delete(ownerKey)),
    // One process, one map: a missed write (a breaker open on the cache) drops everything at once.
    epoch: Effect.succeed(0),
    writeMissed: Effect.sync(() => {
      carts.clear()
      guestMarks.clear()
    })
  })
})

// ARGV[1] = the incoming value, ARGV[2] = ttl ms. `accepts`, in Lua; an unreadable current value is
// overwritten. 1 written, 0 refused, or the newer epoch of the current value (as text) for the writer to adopt.
const writeIfAccepted = `
local incoming = cjson.decode(ARGV[1])
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, current = pcall(cjson.decode, raw)
  if ok and type(current) == 'table' and type(current.version) == 'number' and type(current.epoch) == 'number' then
    if current.epoch > incoming.epoch then return string.format('%.0f', current.epoch) end
    if current.epoch == incoming.epoch then
      if current.version > incoming.version then return 0 end
      if current.version == incoming.version and current._tag == 'Entry' then
        if incoming._tag ~= 'Entry' then return 0 end
        if incoming.computed == current.computed then
          if incoming.body ~= current.body then return 0 end
        elseif not incoming.computed then return 0 end
      end
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`

// A new epoch: Redis' clock in microseconds, or one more than the last epoch (so it never repeats).
// ARGV[1] = "if-absent": only when there is none yet (the first instance to find none starts it).
const newEpoch = `
local last = redis.call('GET', KEYS[1])
if last and ARGV[1] == 'if-absent' then return last end
local now = redis.call('TIME')
local epoch = math.max(tonumber(now[1]) * 1000000 + tonumber(now[2]), tonumber(last or '0') + 1)
redis.call('SET', KEYS[1], string.format('%.0f', epoch))
return string.format('%.0f', epoch)`

const redis = (epochKey: string) => Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeStored = decodeReply(STORE, Schema.NullOr(StoredJson))
  const decodeWritten = decodeReply(STORE, Schema.Union([Schema.Literals([0, 1]), Schema.FiniteFromString]))
  const decodeEpoch = decodeReply(STORE, Schema.NullOr(Schema.FiniteFromString))
  const encode = (stored: Stored) => Schema.encodeEffect(StoredJson)(stored).pipe(Effect.mapError(StoreUnavailable.fromCause(STORE, "Error")))

  // This process' view of the epoch: the last one read and when; writes missed, and how many of them a new epoch covers.
  const state = { epoch: undefined as number | undefined, checkedAt: 0, missed: 0, covered: 0 }
  const miss = () => {
    state.missed++
  }
  // A lost connection is an outage: whatever was written before it must not be read after it.
  conn.client.on("close", miss)
  const fresh = (now: number) => state.missed === state.covered && state.epoch !== undefined && now - state.checkedAt < EPOCH_CHECK_MS
  // One check at a time: concurrent requests wait for it rather than each starting an epoch of its own.
  const checking = yield* Semaphore.make(1)
  const check = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    if (fresh(now) && state.epoch !== undefined) return state.epoch
    const missed = state.missed
    const bump = missed !== state.covered
    const read = bump ? null : yield* decodeEpoch(yield* conn.run(STORE, (c) => c.get(epochKey)))
    // No epoch yet, or it was lost (evicted, a Redis restarted without its data): one larger than any entry's.
    const current = read ?? (yield* decodeEpoch(yield* conn.eval(STORE, newEpoch, [epochKey], [bump ? "always" : "if-absent"]))) ?? 0
    // Misses noticed while this check ran are not covered by it: the next call starts another epoch.
    state.covered = missed
    state.epoch = Math.max(current, state.epoch ?? 0)
    state.checkedAt = now
    return state.epoch
  })
  const epoch = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    fresh(now) && state.epoch !== undefined ? Effect.succeed(state.epoch) : checking.withPermits(1)(check)
  )

  return make({
    read: (cartId) =>
      conn.run(STORE, (c) => c.get(keys.cartComputed(cartId))).pipe(
        Effect.flatMap(decodeStored),
        Effect.map(Option.fromNullOr)
      ),
    write: (cartId, stored) => {
      const attempt = (value: Stored) =>
        encode(value).pipe(
          Effect.flatMap((json) => conn.eval(STORE, writeIfAccepted, [keys.cartComputed(cartId)], [json, TTL_MS])),
          Effect.flatMap(decodeWritten)
        )
      return Effect.flatMap(attempt(stored), (reply) => {
        if (reply === 0 || reply === 1) return Effect.succeed(reply === 1)
        // Behind on the epoch (another instance started one within the last second): adopt it, write again.
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          state.epoch = Math.max(reply, state.epoch ?? 0)
          state.checkedAt = now
          return Effect.map(attempt({ ...stored, epoch: state.epoch }), (again) => again === 1)
        })
      })
    },
    owner: (ownerKey) => Effect.map(conn.run(STORE, (c) => c.get(keys.ownerCart(ownerKey))), Option.fromNullOr),
    setOwner: (ownerKey, cartId) =>
      Effect.asVoid(conn.run(STORE, (c) => c.set(keys.ownerCart(ownerKey), cartId, "PX", TTL_MS))),
    forgetOwner: (ownerKey) => Effect.asVoid(conn.run(STORE, (c) => c.del(keys.ownerCart(ownerKey)))),
    guestMark: (ownerKey) =>
      conn.run(STORE, (c) => c.get(keys.guestSettled(ownerKey))).pipe(Effect.flatMap(decodeEpoch), Effect.map(Option.fromNullOr)),
    setGuestMark: (ownerKey, epoch) =>
      Effect.asVoid(conn.run(STORE, (c) => c.set(keys.guestSettled(ownerKey), String(epoch), "PX", TTL_MS))),
    clearGuestMark: (ownerKey) => Effect.asVoid(conn.run(STORE, (c) => c.del(keys.guestSettled(ownerKey)))),
    epoch,
    writeMissed: Effect.sync(miss)
  })
})

export class CartCache extends Context.Service<
  CartCache,
  {
    /** A miss also for an entry of an earlier epoch, and while a missed write is not yet covered by a new epoch. */
    readonly get: (cartId: string) => Effect.Effect<Option.Option<CachedCart>, StoreUnavailable>
    /** TTL 30 min; refused as "stale" by `accepts`' rule: a newer version, or another body of the same one, is kept. */
    readonly set: (entry: CachedCart) => Effect.Effect<"written" | "stale", StoreUnavailable>
    /** The cart is at `version` or newer without a computed cart for it: writes of older versions are refused. */
    readonly invalidate: (cartId: string, version: number) => Effect.Effect<void, StoreUnavailable>
    /** The cart is gone: a tombstone refuses every later write for its id. */
    readonly remove: (cartId: string) => Effect.Effect<void, StoreUnavailable>
    /**
     * A write this process meant to make did not happen (the cache's breaker was open, say): the
     * next call that reaches the store starts a new epoch, so the entry it should have replaced
     * is never read again. Every failed write of the methods above counts as one by itself.
     */
    readonly writeMissed: Effect.Effect<void>
    /** Owner index, `<domain>:<owner>:<cartType>` -> cart id, TTL 30 min. */
    readonly ownerCartId: (ownerKey: string) => Effect.Effect<Option.Option<string>, StoreUnavailable>
    readonly rememberOwner: (ownerKey: string, cartId: string) => Effect.Effect<void, StoreUnavailable>
    readonly forgetOwner: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
    /**
     * Whether the guest (`ownerKey` of a session's DEFAULT cart) is known to have nothing to merge
     * into a customer's cart on sign-in (issue 15): the fast path of requests that carry both a
     * customer and a session. Marked in the current epoch only, so a missed clear is covered.
     */
    readonly guestSettled: (ownerKey: string) => Effect.Effect<boolean, StoreUnavailable>
    /** Marks the guest settled, TTL 30 min: its cart was merged, or it has no lines. */
    readonly settleGuest: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
    /** The guest may have lines again (it added some): a clear that fails counts as a missed write. */
    readonly unsettleGuest: (ownerKey: string) => Effect.Effect<void, StoreUnavailable>
  }
>()("orchestra/CartCache") {
  static readonly layerMemory = Layer.effect(CartCache, memory)
  static readonly layerRedis = Layer.effect(CartCache, redis(keys.cacheEpoch))
  /** Epochs kept under another key: instances sharing it share epochs (tests that start outages keep theirs apart). */
  static readonly layerRedisWithEpochKey = (epochKey: string) => Layer.effect(CartCache, redis(epochKey))
}
