import { Clock, Context, Effect, Layer, Schema } from "effect"
import { keys } from "./keys.ts"
import { decodeReply, RedisConnection } from "./RedisConnection.ts"
import type { StoreUnavailable } from "./StoreUnavailable.ts"

export class LockTimeout extends Schema.TaggedError<LockTimeout>()("LockTimeout", { scope: Schema.String }) {}

export interface LockLease {
  readonly scope: string
  readonly token: string
}

export interface LockOptions {
  /** How long to keep polling for a held lock; default 2000 ms. */
  readonly waitMs?: number
  /** How long the lock survives a holder that never releases it; default 10000 ms. */
  readonly leaseMs?: number
}

const STORE = "CartLock"
const FIRST_POLL_MS = 5
const MAX_POLL_MS = 100

interface Backend {
  readonly tryAcquire: (lease: LockLease, leaseMs: number) => Effect.Effect<boolean, StoreUnavailable>
  readonly release: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
}

const make = (backend: Backend) => {
  const acquire = (scope: string, options: LockOptions = {}) =>
    Effect.gen(function* () {
      const lease: LockLease = { scope, token: crypto.randomUUID() }
      const leaseMs = options.leaseMs ?? 10_000
      const deadline = (yield* Clock.currentTimeMillis) + (options.waitMs ?? 2_000)
      let pause = FIRST_POLL_MS
      while (!(yield* backend.tryAcquire(lease, leaseMs))) {
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) return yield* new LockTimeout({ scope })
        // withLock runs this uninterruptibly; waiting is the one safe point to give up, as nothing is held yet.
        yield* Effect.interruptible(Effect.sleep(Math.min(pause, remaining)))
        pause = Math.min(pause * 2, MAX_POLL_MS)
      }
      return lease
    })
  return CartLock.of({
    acquire,
    release: backend.release,
    withLock: (scope, effect, options) =>
      Effect.acquireUseRelease(
        acquire(scope, options),
        () => effect,
        // The work is done by now; a failed release only delays the next holder until the lease ends.
        (lease) =>
          backend
            .release(lease)
            .pipe(Effect.catch((error) => Effect.logWarning("lock release failed", { scope, error: error.message })))
      )
  })
}

const memory = Effect.sync(() => {
  const held = new Map<string, { readonly token: string; readonly expiresAt: number }>()
  return make({
    tryAcquire: (lease, leaseMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = held.get(lease.scope)
        if (current !== undefined && current.expiresAt > now) return false
        held.set(lease.scope, { token: lease.token, expiresAt: now + leaseMs })
        return true
      }),
    release: (lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const current = held.get(lease.scope)
        if (current === undefined || current.token !== lease.token || current.expiresAt <= now) return false
        held.delete(lease.scope)
        return true
      })
  })
})

const releaseIfHolder = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

const redis = Effect.gen(function* () {
  const conn = yield* RedisConnection
  const decodeReleased = decodeReply(STORE, Schema.Literals([0, 1]))
  return make({
    tryAcquire: (lease, leaseMs) =>
      Effect.map(
        conn.run(STORE, (c) => c.set(keys.lock(lease.scope), lease.token, "PX", leaseMs, "NX")),
        (reply) => reply === "OK"
      ),
    release: (lease) =>
      conn.eval(STORE, releaseIfHolder, [keys.lock(lease.scope)], [lease.token]).pipe(
        Effect.flatMap(decodeReleased),
        Effect.map((released) => released === 1)
      )
  })
})

/** A lease lock: held until released by its holder or until the lease runs out. */
export class CartLock extends Context.Service<
  CartLock,
  {
    readonly acquire: (scope: string, options?: LockOptions) => Effect.Effect<LockLease, LockTimeout | StoreUnavailable>
    /** True only when the caller still held the lock. */
    readonly release: (lease: LockLease) => Effect.Effect<boolean, StoreUnavailable>
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
