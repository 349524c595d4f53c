import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { BulkheadFull, BulkheadWaitTimeout, makeBulkhead } from "../../src/resilience/Bulkhead.ts"
import { resilienceLayer } from "../../src/resilience/Resilience.ts"
import { defaultStepPolicy } from "../../src/runtime/StepPolicy.ts"
import { CurrentDeadline, runStep } from "../../src/runtime/StepRunner.ts"
import { gated, inRequest, read } from "./fakes.ts"

describe("bulkhead", () => {
  it.effect("with every slot taken and the queue full, the next call is refused at once", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 2, queue: 1 })
      const [a, b, c] = [yield* gated(1), yield* gated(2), yield* gated(3)]
      const calls = [a, b, c]
      const fibers = yield* Effect.forEach(calls, (call) => Effect.forkChild(bulkhead.run(call.call)))
      yield* a.started
      yield* b.started
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* Effect.forEach(calls, (call) => call.calls), [1, 1, 0])
      assert.strictEqual(yield* bulkhead.occupancy, 3)

      const extra = yield* gated(4)
      const refused = yield* Effect.flip(bulkhead.run(extra.call))
      assert.deepStrictEqual(refused, new BulkheadFull({ limit: 2, queue: 1 }))
      assert.strictEqual(refused.message, "bulkhead full (2 in flight, 1 waiting)")
      assert.strictEqual(yield* extra.calls, 0)

      yield* Effect.forEach(calls, (call) => call.release)
      assert.deepStrictEqual(yield* Effect.forEach(fibers, Fiber.join), [1, 2, 3])
      assert.strictEqual(yield* bulkhead.occupancy, 0)
    })
  )

  it.effect("a queued call runs when a slot frees, first come first served", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 2 })
      const [a, b, c] = [yield* gated("a"), yield* gated("b"), yield* gated("c")]
      const fa = yield* Effect.forkChild(bulkhead.run(a.call))
      yield* a.started
      const fb = yield* Effect.forkChild(bulkhead.run(b.call))
      yield* Effect.yieldNow
      const fc = yield* Effect.forkChild(bulkhead.run(c.call))
      yield* Effect.yieldNow
      assert.deepStrictEqual([yield* b.calls, yield* c.calls], [0, 0])

      yield* a.release
      assert.strictEqual(yield* Fiber.join(fa), "a")
      yield* b.started
      assert.deepStrictEqual([yield* b.calls, yield* c.calls], [1, 0])

      yield* b.release
      yield* c.started
      yield* c.release
      assert.deepStrictEqual([yield* Fiber.join(fb), yield* Fiber.join(fc)], ["b", "c"])
    })
  )

  it.effect("a call that waits longer than it may leaves the queue, and the slots stay sound", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 1 })
      const holder = yield* gated("held")
      const held = yield* Effect.forkChild(bulkhead.run(holder.call))
      yield* holder.started
      const waiter = yield* gated("late")
      const waiting = yield* Effect.forkChild(bulkhead.run(waiter.call, { maxWaitMs: 300 }))
      yield* TestClock.adjust(300)
      assert.deepStrictEqual(yield* Fiber.await(waiting), Exit.fail(new BulkheadWaitTimeout({ waitedMs: 300 })))
      assert.strictEqual(yield* waiter.calls, 0)
      assert.strictEqual(yield* bulkhead.occupancy, 1)

      yield* holder.release
      yield* Fiber.join(held)
      const next = yield* gated("next")
      const ran = yield* Effect.forkChild(bulkhead.run(next.call))
      yield* next.started
      yield* next.release
      assert.strictEqual(yield* Fiber.join(ran), "next")
      assert.strictEqual(yield* bulkhead.occupancy, 0)
    })
  )

  it.effect("an interrupted waiter gives its place back", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 1 })
      const holder = yield* gated("held")
      yield* Effect.forkChild(bulkhead.run(holder.call))
      yield* holder.started
      const waiting = yield* Effect.forkChild(bulkhead.run(Effect.succeed("never ran")))
      yield* Effect.yieldNow
      assert.strictEqual(yield* bulkhead.occupancy, 2)
      yield* Fiber.interrupt(waiting)
      assert.strictEqual(yield* bulkhead.occupancy, 1)
    })
  )
})

describe("bulkhead slots", () => {
  it.effect("with no queue, a call that finds every slot taken is refused at once", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 0 })
      const holder = yield* gated("held")
      const held = yield* Effect.forkChild(bulkhead.run(holder.call))
      yield* holder.started
      assert.deepStrictEqual(yield* Effect.flip(bulkhead.run(Effect.succeed("refused"))), new BulkheadFull({ limit: 1, queue: 0 }))
      yield* holder.release
      yield* Fiber.join(held)
      assert.strictEqual(yield* bulkhead.run(Effect.succeed("next")), "next")
    })
  )

  it.effect("a call that fails, dies or is interrupted gives its slot back, to the first in line if anyone waits", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 1 })
      assert.strictEqual(yield* Effect.flip(bulkhead.run(Effect.fail("failed"))), "failed")
      assert.isTrue(Exit.isFailure(yield* Effect.exit(bulkhead.run(Effect.die("died")))))
      assert.strictEqual(yield* bulkhead.occupancy, 0)

      const holder = yield* gated("held")
      const held = yield* Effect.forkChild(bulkhead.run(holder.call))
      yield* holder.started
      const waiter = yield* gated("waited")
      const waiting = yield* Effect.forkChild(bulkhead.run(waiter.call))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(held)
      yield* waiter.started
      assert.strictEqual(yield* bulkhead.occupancy, 1)
      yield* waiter.release
      assert.strictEqual(yield* Fiber.join(waiting), "waited")
      assert.strictEqual(yield* bulkhead.occupancy, 0)
    })
  )

  it.effect("a waiter that gives up leaves from the middle of the line, and the others keep their order", () =>
    Effect.gen(function* () {
      const bulkhead = yield* makeBulkhead({ limit: 1, queue: 3 })
      const holder = yield* gated("held")
      const held = yield* Effect.forkChild(bulkhead.run(holder.call))
      yield* holder.started
      const [first, middle, last] = [yield* gated("first"), yield* gated("middle"), yield* gated("last")]
      const firstRun = yield* Effect.forkChild(bulkhead.run(first.call))
      yield* Effect.yieldNow
      const middleRun = yield* Effect.forkChild(bulkhead.run(middle.call, { maxWaitMs: 300 }))
      yield* Effect.yieldNow
      const lastRun = yield* Effect.forkChild(bulkhead.run(last.call))
      yield* Effect.yieldNow
      yield* TestClock.adjust(300)
      assert.deepStrictEqual(yield* Fiber.await(middleRun), Exit.fail(new BulkheadWaitTimeout({ waitedMs: 300 })))
      assert.strictEqual(yield* bulkhead.occupancy, 3)

      yield* holder.release
      yield* Fiber.join(held)
      yield* first.started
      assert.deepStrictEqual([yield* middle.calls, yield* last.calls], [0, 0])
      yield* first.release
      yield* last.started
      yield* last.release
      assert.deepStrictEqual([yield* Fiber.join(firstRun), yield* Fiber.join(lastRun)], ["first", "last"])
      assert.strictEqual(yield* middle.calls, 0)
      assert.strictEqual(yield* bulkhead.occupancy, 0)
    })
  )
})

describe("bulkhead in the step runner", () => {
  const tight = resilienceLayer({ breakerFailures: 5, breakerCooldownMs: 10_000, bulkheadLimit: 1, bulkheadQueue: 1 })

  it.effect("a full bulkhead fails the step fast with 503 DOWNSTREAM_UNAVAILABLE naming the service", () =>
    Effect.gen(function* () {
      const first = yield* gated("first")
      const second = yield* gated("second")
      const running = yield* Effect.forkChild(inRequest(runStep(read("shipping.rate"), first.call)))
      yield* first.started
      const queued = yield* Effect.forkChild(inRequest(runStep(read("shipping.rate"), second.call)))
      yield* Effect.yieldNow

      const third = yield* gated("third")
      const error = yield* Effect.flip(inRequest(runStep(read("shipping.rate"), third.call)))
      assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "shipping" })
      assert.include(error.message, "bulkhead full")
      assert.strictEqual(yield* third.calls, 0)

      yield* first.release
      assert.strictEqual(yield* Fiber.join(running), "first")
      yield* second.started
      yield* second.release
      assert.strictEqual(yield* Fiber.join(queued), "second")
    }).pipe(Effect.provide(tight))
  )

  it.effect("time spent waiting for a slot comes off the deadline, not off the call's budget", () =>
    Effect.gen(function* () {
      const first = yield* gated("first")
      const second = yield* gated("second", CurrentDeadline)
      const running = yield* Effect.forkChild(inRequest(runStep(read("shipping.rate"), first.call)))
      yield* first.started
      const queued = yield* Effect.forkChild(inRequest(runStep(read("shipping.rate"), second.call)))
      yield* TestClock.adjust(300)
      yield* first.release
      yield* Fiber.join(running)
      yield* second.started
      assert.deepStrictEqual(yield* second.seen, [300 + defaultStepPolicy.readTimeoutMs])
      yield* second.release
      yield* Fiber.join(queued)
    }).pipe(Effect.provide(tight))
  )

  it.effect("a call still waiting for a slot at the deadline is never made: DEADLINE_EXCEEDED", () =>
    Effect.gen(function* () {
      const first = yield* gated("first")
      const running = yield* Effect.forkChild(inRequest(runStep(read("shipping.rate"), first.call)))
      yield* first.started
      const second = yield* gated("second")
      const queued = yield* Effect.forkChild(inRequest(Effect.flip(runStep(read("shipping.rate"), second.call)), 400))
      yield* TestClock.adjust(400)
      assert.deepInclude<unknown>(yield* Fiber.join(queued), { _tag: "DEADLINE_EXCEEDED", service: "shipping" })
      assert.strictEqual(yield* second.calls, 0)
      yield* first.release
      yield* Fiber.join(running)
    }).pipe(Effect.provide(tight))
  )
})
