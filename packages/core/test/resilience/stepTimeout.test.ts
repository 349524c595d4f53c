import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { stepTimeout } from "../../src/runtime/stepTimeout.ts"

class Greeting extends Context.Service<Greeting, string>()("test/Greeting") {}

const timedOut = () => Effect.fail("timed out" as const)

/** A call that never answers by itself and records that it was interrupted. */
const hanging = Effect.gen(function* () {
  const interrupted = yield* Ref.make(false)
  const started = yield* Deferred.make<void>()
  const call = Deferred.succeed(started, undefined).pipe(
    Effect.andThen(Effect.never),
    Effect.onInterrupt(() => Ref.set(interrupted, true))
  )
  return { call, started: Deferred.await(started), interrupted: Ref.get(interrupted) }
})

// The live clock: the path production takes (one forked attempt and a timer).
describe("stepTimeout, live clock", () => {
  it.live("an answer before the timer wins, and its value or failure comes back as is", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* stepTimeout(Effect.succeed(1), 1_000, timedOut), 1)
      assert.strictEqual(yield* stepTimeout(Effect.as(Effect.sleep(5), 2), 1_000, timedOut), 2)
      assert.strictEqual(yield* Effect.flip(stepTimeout(Effect.fail("refused" as const), 1_000, timedOut)), "refused")
    })
  )

  it.live("at the timer the attempt is interrupted, and only then does the fallback answer", () =>
    Effect.gen(function* () {
      const call = yield* hanging
      const exit = yield* Effect.exit(stepTimeout(call.call, 20, timedOut))
      assert.deepStrictEqual(exit, Exit.fail("timed out"))
      assert.isTrue(yield* call.interrupted)
    })
  )

  it.live("a caller interrupted while waiting interrupts the attempt too", () =>
    Effect.gen(function* () {
      const call = yield* hanging
      const waiting = yield* Effect.forkChild(stepTimeout(call.call, 10_000, timedOut))
      yield* call.started
      yield* Fiber.interrupt(waiting)
      assert.isTrue(yield* call.interrupted)
    })
  )

  it.live("the attempt sees the caller's services", () =>
    Effect.gen(function* () {
      const attempt = Effect.gen(function* () {
        yield* Effect.sleep(1)
        return yield* Greeting
      })
      assert.strictEqual(yield* Effect.provideService(stepTimeout(attempt, 1_000, timedOut), Greeting, "hello"), "hello")
    })
  )
})

// Any other clock: `Effect.timeoutOrElse`, which follows the clock's own time.
describe("stepTimeout, test clock", () => {
  it.effect("the timer is the clock's: nothing fires until the clock is moved", () =>
    Effect.gen(function* () {
      const realStart = Date.now()
      const call = yield* hanging
      const waiting = yield* Effect.forkChild(Effect.exit(stepTimeout(call.call, 1_000, timedOut)))
      yield* call.started
      yield* TestClock.adjust(999)
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* Fiber.join(waiting), Exit.fail("timed out"))
      assert.isTrue(yield* call.interrupted)
      // On virtual time: a real timer would have made this take the whole second.
      assert.isBelow(Date.now() - realStart, 500)
    })
  )
})
