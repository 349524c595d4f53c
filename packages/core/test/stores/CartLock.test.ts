import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { CartLock, CurrentCartFence, LockTimeout } from "../../src/stores/CartLock.ts"
import { keys } from "../../src/stores/keys.ts"
import { randomId, storeSuite } from "../support/redis.ts"

// Redis runs on real time: no test below asserts how long anything took, only what happened in which order.
storeSuite(
  "CartLock",
  {
    memory: CartLock.layerMemory,
    redis: CartLock.layerRedis,
    probe: CartLock.use((lock) => lock.release({ scope: randomId("probe"), token: "probe", fence: 1, leaseMs: 1 }))
  },
  (t) => {
    t.it("is exclusive: of two concurrent acquirers one gets it, the other times out", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        // Forked from this fiber (not inside a concurrent Effect.all, whose fibers would end and interrupt them).
        const contenders = yield* Effect.forEach([1, 2], () => Effect.forkChild(lock.acquire(scope, { waitMs: 200 })))
        yield* t.advance(250)
        const exits = yield* Effect.forEach(contenders, Fiber.await)
        expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
        expect(exits.filter(Exit.isFailure)).toEqual([Exit.fail(new LockTimeout({ scope }))])
      })
    )

    t.it("a waiting acquirer gets the lock once the holder releases it, with a larger fencing token", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const first = yield* lock.acquire(scope)
        // Waits as long as it takes: the release below, not the clock, is what lets it in.
        const second = yield* Effect.forkChild(lock.acquire(scope, { waitMs: 600_000 }))
        yield* t.advance(50)
        expect(second.pollUnsafe()).toBeUndefined()
        expect(yield* lock.release(first)).toBe(true)
        yield* t.advance(150)
        const lease = yield* Fiber.join(second)
        expect(lease.scope).toBe(scope)
        expect(lease.token).not.toBe(first.token)
        expect(lease.fence).toBeGreaterThan(first.fence)
      })
    )

    t.it("every grant's fencing token is larger than the one before, also after the lease lapsed", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const fences: Array<number> = []
        for (let i = 0; i < 5; i++) {
          const lease = yield* lock.acquire(scope)
          fences.push(lease.fence)
          yield* lock.release(lease)
        }
        const lapsed = yield* lock.acquire(scope, { leaseMs: 100 })
        yield* t.advance(150)
        const next = yield* lock.acquire(scope, { waitMs: 0 })
        fences.push(lapsed.fence, next.fence)
        expect([...fences].sort((a, b) => a - b)).toEqual(fences)
        expect(new Set(fences).size).toBe(fences.length)
        // Other scopes count their own: a scope's tokens only need to grow for that scope.
        expect((yield* lock.acquire(randomId("cart"))).fence).toBeGreaterThan(0)
      })
    )

    t.it("only the holder releases or renews: a wrong token returns false and the lock stays held", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const lease = yield* lock.acquire(scope)
        const impostor = { ...lease, token: "not-the-holder" }
        expect(yield* lock.release(impostor)).toBe(false)
        expect(yield* lock.renew(impostor)).toBe(false)
        expect(yield* Effect.flip(lock.acquire(scope, { waitMs: 0 }))).toEqual(new LockTimeout({ scope }))
        expect(yield* lock.renew(lease)).toBe(true)
        expect(yield* lock.release(lease)).toBe(true)
        expect(yield* lock.release(lease)).toBe(false)
        expect(yield* lock.renew(lease)).toBe(false)
      })
    )

    t.it("an expired lease goes to the next acquirer, and the old holder can no longer release or renew it", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const stale = yield* lock.acquire(scope, { leaseMs: 100 })
        yield* t.advance(150)
        const fresh = yield* lock.acquire(scope, { waitMs: 0 })
        expect(yield* lock.renew(stale)).toBe(false)
        expect(yield* lock.release(stale)).toBe(false)
        expect(yield* lock.release(fresh)).toBe(true)
      })
    )

    t.it("the default lease is 10 s", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        yield* lock.acquire(scope)
        const held = Effect.map(Effect.exit(lock.acquire(scope, { waitMs: 0 })), Exit.isFailure)
        yield* t.expectExpiry(keys.lock(scope), 10_000, held)
      })
    )

    t.it("withLock releases after success and after failure, and gives the work its fencing token", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const fence = yield* lock.withLock(scope, CurrentCartFence.useSync((fence) => fence))
        expect(fence).toBeGreaterThan(0)
        expect(yield* CurrentCartFence.useSync((fence) => fence)).toBeUndefined()
        expect(yield* Effect.flip(lock.withLock(scope, Effect.fail("boom")))).toBe("boom")
        const lease = yield* lock.acquire(scope, { waitMs: 0 })
        expect(lease.fence).toBeGreaterThan(fence ?? Number.POSITIVE_INFINITY)
        expect(yield* lock.release(lease)).toBe(true)
      })
    )

    t.it("an interrupted withLock stops waiting: it ends interrupted, not timed out, and takes nothing", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const holder = yield* lock.acquire(scope)
        const waiting = yield* Effect.forkChild(lock.withLock(scope, Effect.void, { waitMs: 600_000 }))
        yield* t.advance(50)
        yield* Fiber.interrupt(waiting)
        const exit = yield* Fiber.await(waiting)
        expect(Exit.hasInterrupts(exit)).toBe(true)
        expect(yield* lock.release(holder)).toBe(true)
      })
    )

    t.it("withLock serialises concurrent critical sections", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        let inside = 0
        let overlaps = 0
        const section = Effect.gen(function* () {
          inside++
          if (inside > 1) overlaps++
          yield* Effect.sleep(10)
          inside--
        })
        const all = yield* Effect.forkChild(
          Effect.forEach([1, 2, 3, 4], () => lock.withLock(scope, section, { waitMs: 600_000 }), {
            concurrency: "unbounded",
            discard: true
          })
        )
        yield* t.advance(1_000)
        yield* Fiber.join(all)
        expect(overlaps).toBe(0)
      })
    )
  }
)

// A paused holder and a long holder are a matter of time: on the TestClock, with the memory lock
// (the Redis lock's scripts are checked above; its lease runs on Redis' own clock).
describe("CartLock renewal and fencing (TestClock)", () => {
  it.effect("holding renews the lease while the work runs, however long: nobody else gets the cart meanwhile", () =>
    Effect.gen(function* () {
      const lock = yield* CartLock
      const scope = randomId("cart")
      const done = yield* Deferred.make<void>()
      const lease = yield* lock.acquire(scope, { leaseMs: 300 })
      const work = yield* Effect.forkChild(lock.holding(lease, Deferred.await(done)))
      // Ten leases' worth of time: without renewal the lease would have lapsed after the first.
      for (let i = 0; i < 30; i++) {
        yield* TestClock.adjust(100)
        expect(Exit.isFailure(yield* Effect.exit(lock.acquire(scope, { waitMs: 0 })))).toBe(true)
      }
      yield* Deferred.succeed(done, undefined)
      yield* Fiber.join(work)
      // The work is over: renewal stopped, so the lease lapses on its own.
      yield* TestClock.adjust(300)
      const next = yield* lock.acquire(scope, { waitMs: 0 })
      expect(next.fence).toBeGreaterThan(lease.fence)
    }).pipe(Effect.provide(CartLock.layerMemory))
  )

  it.effect("a holder paused past its lease loses the cart to the next one, whose fencing token is larger", () =>
    Effect.gen(function* () {
      const lock = yield* CartLock
      const scope = randomId("cart")
      // A process stopped (a GC pause, SIGSTOP): it holds a lease but renews nothing.
      const paused = yield* lock.acquire(scope, { leaseMs: 300 })
      yield* TestClock.adjust(301)
      const next = yield* lock.acquire(scope, { waitMs: 0 })
      expect(next.fence).toBeGreaterThan(paused.fence)
      expect(yield* lock.renew(paused)).toBe(false)
    }).pipe(Effect.provide(CartLock.layerMemory))
  )
})
