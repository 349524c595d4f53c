import { Clock, Context, Effect, Fiber, Layer, Schema } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import type { StoreUnavailable } from "./StoreUnavailable.ts"

export class LockTimeout extends Schema.TaggedError<LockTimeout>()("LockTimeout", {
  scope: Schema.String,
  /** Why the last attempts failed, when the lock store rather than another holder kept us out. */
  storeError: Schema.optionalKey(Schema.String)
}) {}

export interface LockLease {
  readonly scope: string
  readonly token: string
  /**
   * The fencing token of this grant: larger than every earlier grant's for the scope. Every
   * cart-service write carries it, and the cart service refuses one older than the last it
   * accepted, so a holder that paused past its lease cannot overwrite its successor's work.
   */
  readonly fence: number
  readonly leaseMs: number
}

export interface LockOptions {
  /** How long to keep trying for a held lock (or a lock store that does not answer); default 2000 ms. */
  readonly waitMs?: number
  /** How long the lock survives a holder that stops renewing it; default 10000 ms. */
  readonly leaseMs?: number
}

/**
 * The fencing token of the lock the current fiber holds on its cart, for the cart-service writes
 * it makes; none outside a lock (a read, a caller that serialises otherwise).
 */
export const CurrentCartFence = Context.Reference<number | undefined>("orchestra/CurrentCartFence", {
  defaultValue: () => undefined
})

const STORE = "CartLock"
const FIRST_POLL_MS = 5
const MAX_POLL_MS = 100
const DEFAULT_LEASE_MS = 10_000
/**
 * How long the last fencing token of a scope is remembered. Tokens come from the clock (see
 * `nextFence`), so an expired record only costs the guarantee against a clock that went back.
 */
const FENCE_TTL_MS = 7 * 86_400_000

/**
 * A fencing token that grows with every grant and survives a lost record: the current time in
 * microseconds, or one more than the last token when the clock has not moved past it.
 */
const nextFence = (nowMicros: number, last: number) => Math.max(nowMicros, last + 1)

interface Backend {
  /**
   * Takes the lock for `token` unless another token holds it. Asked again by the token that holds
   * it (an earlier reply was lost), it answers that grant's fence. 0: held by someone else.
   */
  readonly tryAcquire: (scope: string, token: string, leaseMs: number) => Effect.Effect<number, StoreUnavailable>
  /** Extends the lease to `leaseMs` from now if `token` still holds it. */
  readonly renew: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
  readonly release: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
}

/** A lock store that does not answer at all (not one that answers slowly or with an error). */
const isDown = (error: StoreUnavailable) => error.reason === "Down"

const make = (backend: Backend) => {
  const acquire = (scope: string, options: LockOptions = {}) =>
    Effect.gen(function* () {
      const token = crypto.randomUUID()
      const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
      const deadline = (yield* Clock.currentTimeMillis) + (options.waitMs ?? 2_000)
      let pause = FIRST_POLL_MS
      let storeError: StoreUnavailable | undefined
      while (true) {
        // A slow or erring store is waited for like a held lock, within the same wait: only a
        // store that cannot be reached at all fails the acquisition (the caller may then
        // serialise in-process). The retry sends the same token, so a grant whose reply was lost
        // is found again rather than waited out.
        const fence = yield* backend.tryAcquire(scope, token, leaseMs).pipe(
          Effect.catch((error) => {
            if (isDown(error)) return Effect.fail(error)
            storeError = error
            return Effect.succeed(0)
          })
        )
        if (fence > 0) return { scope, token, fence, leaseMs } satisfies LockLease
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) {
          if (storeError !== undefined) {
            // A grant may have landed with its reply lost: give it back rather than block the cart for a lease.
            yield* Effect.ignore(backend.release({ scope, token, fence: 0, leaseMs }))
            return yield* new LockTimeout({ scope, storeError: storeError.message })
          }
          return yield* new LockTimeout({ scope })
        }
        // withLock runs this uninterruptibly; waiting is the one safe point to give up, as nothing is held yet.
        yield* Effect.interruptible(Effect.sleep(Math.min(pause, remaining)))
        pause = Math.min(pause * 2, MAX_POLL_MS)
      }
    })

  const release = (lease: LockLease) =>
    backend
      .release(lease)
      // The work is done by now; a failed release only delays the next holder until the lease ends.
      .pipe(Effect.catch((error) => Effect.logWarning("lock release failed", { scope: lease.scope, error: error.message })))

  /** Renews the lease every third of it until interrupted, or until it turns out lost. */
  const keepRenewing = (lease: LockLease) =>
    Effect.gen(function* () {
      while (true) {
        yield* Effect.sleep(Math.max(1, Math.floor(lease.leaseMs / 3)))
        // A renewal the store did not answer is tried again at the next tick: two thirds of the lease are left.
        const renewed = yield* backend.renew(lease).pipe(
          Effect.catch((error) => Effect.as(Effect.logWarning("lock renewal failed", { scope: lease.scope, error: error.message }), true))
        )
        if (!renewed) {
          // The fencing token now protects the cart: a successor's writes make ours refused.
          return yield* Effect.logWarning("lock lease lost while held", { scope: lease.scope, fence: lease.fence })
        }
      }
    })

  const holding = <A, E, R>(lease: LockLease, effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Effect.forkChild(keepRenewing(lease)), (renewer) =>
      Effect.provideService(effect, CurrentCartFence, lease.fence).pipe(Effect.ensuring(Fiber.interrupt(renewer)))
    )

  return CartLock.of({
    acquire,
    release: backend.release,
    renew: backend.renew,
    holding,
    withLock: (scope, effect, options) =>
      Effect.acquireUseRelease(acquire(scope, options), (lease) => holding(lease, effect), (lease) => release(lease))
  })
}

const memory = Effect.sync(() => {
  const held = new Map<string, { readonly token: string; readonly fence: number; readonly expiresAt: number }>()
  // One sequence for every scope of the process: growing for each scope too, and nothing to keep per scope.
  let lastFence = 0
  const holder = (lease: LockLease, now: number) => {
    const current = held.get(lease.scope)
    return current !== undefined && current.token === lease.token && current.expiresAt > now ? current : undefined
  }
  return make({
    tryAcquire: (scope, token, leaseMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = held.get(scope)
        if (current !== undefined && current.expiresAt > now) return current.token === token ? current.fence : 0
        const fence = nextFence(now * 1000, lastFence)
        lastFence = fence
        held.set(scope, { token, fence, expiresAt: now + leaseMs })
        return fence
      }),
    renew: (lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = holder(lease, now)
        if (current === undefined) return false
        held.set(lease.scope, { ...current, expiresAt: now + lease.leaseMs })
        return true
      }),
    release: (lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (holder(lease, now) === undefined) return false
        held.delete(lease.scope)
        return true
      })
  })
})

// KEYS[1] the lock, KEYS[2] the scope's last fencing token (one hash tag: one slot). ARGV: token, lease ms, fence ttl ms.
// The fence is Redis's clock in microseconds, or one more than the last when the clock has not passed it (`nextFence`).
const acquireScript = `
local holder = redis.call('GET', KEYS[1])
if holder then
  if holder == ARGV[1] then return tonumber(redis.call('GET', KEYS[2]) or '0') end
  return 0
end
local now = redis.call('TIME')
local micros = tonumber(now[1]) * 1000000 + tonumber(now[2])
local fence = math.max(micros, tonumber(redis.call('GET', KEYS[2]) or '0') + 1)
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], string.format('%.0f', fence), 'PX', ARGV[3])
return fence`

const renewIfHolder = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

const releaseIfHolder = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

const redis = Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeFence = decodeReply(STORE, Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))))
  const decodeDone = decodeReply(STORE, Schema.Literals([0, 1]))
  return make({
    tryAcquire: (scope, token, leaseMs) =>
      Effect.flatMap(
        conn.eval(STORE, acquireScript, [keys.lock(scope), keys.lockFence(scope)], [token, leaseMs, FENCE_TTL_MS]),
        decodeFence
      ),
    renew: (lease) =>
      conn.eval(STORE, renewIfHolder, [keys.lock(lease.scope)], [lease.token, lease.leaseMs]).pipe(
        Effect.flatMap(decodeDone),
        Effect.map((renewed) => renewed === 1)
      ),
    release: (lease) =>
      conn.eval(STORE, releaseIfHolder, [keys.lock(lease.scope)], [lease.token]).pipe(
        Effect.flatMap(decodeDone),
        Effect.map((released) => released === 1)
      )
  })
})

/**
 * A lease lock with fencing tokens: held until released by its holder or until the lease runs
 * out; `holding` renews the lease while the work runs.
 */
export class CartLock extends Context.Service<
  CartLock,
  {
    /**
     * Waits up to `waitMs` for the lock, through a held lock or a slow lock store alike
     * (LockTimeout); fails with StoreUnavailable only when the store cannot be reached at all.
     */
    readonly acquire: (scope: string, options?: LockOptions) => Effect.Effect<LockLease, LockTimeout | StoreUnavailable>
    /** True only when the caller still held the lock. */
    readonly release: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
    /** Extends the lease by its length from now; false when the caller no longer holds it. */
    readonly renew: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
    /**
     * Runs `effect` as the lease's holder: its fencing token is the `CurrentCartFence` of the
     * effect, and the lease is renewed every third of it until the effect ends. Does not release.
     */
    readonly holding: <A, E, R>(lease: LockLease, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    /** acquire, holding, release. */
    readonly withLock: <A, E, R>(
      scope: string,
      effect: Effect.Effect<A, E, R>,
      options?: LockOptions
    ) => Effect.Effect<A, E | LockTimeout | StoreUnavailable, R>
  }
>()("orchestra/CartLock") {
  static readonly layerMemory = Layer.effect(CartLock, memory)
  static readonly layerRedis = Layer.effect(CartLock, redis)
}
