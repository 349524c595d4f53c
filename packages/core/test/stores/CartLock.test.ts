import { expect } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber } from "effect"
import { CartLock, LockTimeout } from "../../src/stores/CartLock.ts"
import { keys } from "../../src/stores/keys.ts"
import { randomId, storeSuite } from "../support/redis.ts"

storeSuite(
  "CartLock",
  {
    memory: CartLock.layerMemory,
    redis: CartLock.layerRedis,
    probe: CartLock.use((lock) => lock.release({ scope: randomId("probe"), token: "probe" }))
  },
  (t) => {
    t.it("is exclusive: of two concurrent acquirers one gets it, the other times out after waitMs", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        // Forked from this fiber (not inside a concurrent Effect.all, whose fibers would end and interrupt them).
        const contenders = yield* Effect.forEach([1, 2], () => Effect.forkChild(lock.acquire(scope, { waitMs: 200 })))
        yield* t.advance(150)
        const early = contenders.map((fiber) => fiber.pollUnsafe())
        expect(early.filter((exit) => exit !== undefined && Exit.isSuccess(exit))).toHaveLength(1)
        expect(early.filter((exit) => exit === undefined)).toHaveLength(1)
        yield* t.advance(100)
        const exits = yield* Effect.forEach(contenders, Fiber.await)
        expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
        expect(exits.filter(Exit.isFailure)).toEqual([Exit.fail(new LockTimeout({ scope }))])
      })
    )

    t.it("a waiting acquirer gets the lock once the holder releases it", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const first = yield* lock.acquire(scope)
        const second = yield* Effect.forkChild(lock.acquire(scope, { waitMs: 2_000 }))
        yield* t.advance(50)
        expect(yield* lock.release(first)).toBe(true)
        yield* t.advance(150)
        const lease = yield* Fiber.join(second)
        expect(lease.scope).toBe(scope)
        expect(lease.token).not.toBe(first.token)
      })
    )

    t.it("only the holder releases: a wrong token returns false and the lock stays held", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const lease = yield* lock.acquire(scope)
        expect(yield* lock.release({ scope, token: "not-the-holder" })).toBe(false)
        expect(yield* Effect.flip(lock.acquire(scope, { waitMs: 0 }))).toEqual(new LockTimeout({ scope }))
        expect(yield* lock.release(lease)).toBe(true)
        expect(yield* lock.release(lease)).toBe(false)
      })
    )

    t.it("an expired lease goes to the next acquirer, and the old holder can no longer release it", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        const stale = yield* lock.acquire(scope, { leaseMs: 100 })
        yield* t.advance(150)
        const fresh = yield* lock.acquire(scope, { waitMs: 0 })
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

    t.it("withLock releases after success and after failure", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        expect(yield* lock.withLock(scope, Effect.succeed(1))).toBe(1)
        expect(yield* Effect.flip(lock.withLock(scope, Effect.fail("boom")))).toBe("boom")
        const lease = yield* lock.acquire(scope, { waitMs: 0 })
        expect(yield* lock.release(lease)).toBe(true)
      })
    )

    t.it("an interrupted withLock stops waiting at once", () =>
      Effect.gen(function* () {
        const lock = yield* CartLock
        const scope = randomId("cart")
        yield* lock.acquire(scope)
        const waiting = yield* Effect.forkChild(lock.withLock(scope, Effect.void, { waitMs: 5_000 }))
        yield* t.advance(50)
        const started = yield* Clock.currentTimeMillis
        yield* Fiber.interrupt(waiting)
        expect((yield* Clock.currentTimeMillis) - started).toBeLessThan(500)
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
          Effect.forEach([1, 2, 3, 4], () => lock.withLock(scope, section, { waitMs: 5_000 }), {
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
