import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Random } from "effect"
import { TestClock } from "effect/testing"
import { type CircuitBreaker, CircuitRejected, makeCircuitBreaker } from "../../src/resilience/CircuitBreaker.ts"
import { Resilience, ResilienceInMemory } from "../../src/resilience/Resilience.ts"
import type { Verdict } from "../../src/resilience/transient.ts"
import { RequestContext } from "../../src/runtime/RequestContext.ts"
import { optionalStep, runStep } from "../../src/runtime/StepRunner.ts"
import { ResourceNotFound } from "../../src/services/DownstreamErrors.ts"
import { flaky, gated, inRequest, read, status, withContext, write, zeroRandom } from "./fakes.ts"

const COOLDOWN_MS = 10_000
const reserve = write("inventory.reserve")

/** Calls `inventory.reserve` (a write: one attempt per step) `times` times, each failing with a 500. */
const failReserve = (times: number) =>
  Effect.gen(function* () {
    const fake = yield* flaky(Number.POSITIVE_INFINITY, status("inventory", 500))
    for (let i = 0; i < times; i++) yield* Effect.flip(inRequest(runStep(reserve, fake.call)))
    return fake
  })

const stateOf = (service: string) =>
  Effect.gen(function* () {
    const resilience = yield* Resilience
    const states = yield* resilience.states()
    return states.find((s) => s.service === service)
  })

/** Opens the inventory breaker at the current time. */
const openInventory = Effect.gen(function* () {
  yield* failReserve(5)
  assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "open", consecutiveFailures: 5 })
})

const fresh = <A, E>(effect: Effect.Effect<A, E, never>) =>
  effect.pipe(Effect.provide(ResilienceInMemory), Effect.provideService(Random.Random, zeroRandom))

describe("circuit breaker per service", () => {
  it.effect("closed → open after 5 consecutive transient failures; then it fails fast with 503 without calling", () =>
    fresh(
      Effect.gen(function* () {
        const fake = yield* failReserve(4)
        assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "closed", consecutiveFailures: 4 })
        yield* Effect.flip(inRequest(runStep(reserve, fake.call)))
        assert.strictEqual(yield* fake.calls, 5)
        assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "open", consecutiveFailures: 5 })

        const error = yield* Effect.flip(inRequest(runStep(reserve, fake.call)))
        assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "inventory" })
        assert.include(error.message, "circuit open")
        assert.strictEqual(yield* fake.calls, 5)
      })
    )
  )

  it.effect("an answer resets the streak: a success, a declared refusal, a 4xx", () =>
    fresh(
      Effect.gen(function* () {
        const answers = [
          yield* flaky(0, status("inventory", 500)),
          yield* flaky(1, new ResourceNotFound({ message: "no such sku" })),
          yield* flaky(1, status("inventory", 409))
        ]
        for (const answer of answers) {
          yield* failReserve(4)
          yield* Effect.exit(inRequest(runStep(reserve, answer.call)))
          assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "closed", consecutiveFailures: 0 })
        }
        yield* failReserve(4)
        assert.deepInclude<unknown>(yield* stateOf("inventory"), { state: "closed", consecutiveFailures: 4 })
      })
    )
  )

  it.effect("timeouts count; a call cut short by the request's own deadline does not", () =>
    fresh(
      Effect.gen(function* () {
        const never = yield* gated("never")
        for (let i = 0; i < 5; i++) {
          const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 500 })
          const step = yield* Effect.forkChild(withContext(context, Effect.flip(runStep(reserve, never.call))))
          yield* TestClock.adjust(500)
          assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DEADLINE_EXCEEDED" })
        }
        assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "closed", consecutiveFailures: 0 })

        for (let i = 0; i < 5; i++) {
          const step = yield* Effect.forkChild(inRequest(Effect.flip(runStep(reserve, never.call))))
          yield* TestClock.adjust(2_000)
          assert.deepInclude<unknown>(yield* Fiber.join(step), { _tag: "DOWNSTREAM_TIMEOUT" })
        }
        assert.deepInclude<unknown>(yield* stateOf("inventory"), { state: "open", consecutiveFailures: 5 })
      })
    )
  )

  it.effect("every attempt counts: a read's retries stop once the breaker opens", () =>
    fresh(
      Effect.gen(function* () {
        const fake = yield* flaky(Number.POSITIVE_INFINITY, status("product", 502))
        yield* Effect.flip(inRequest(runStep(read("product.search"), fake.call)))
        const error = yield* Effect.flip(inRequest(runStep(read("product.search"), fake.call)))
        // Attempts 1–5 reach the service; the sixth is refused by the now open breaker.
        assert.strictEqual(yield* fake.calls, 5)
        assert.deepInclude<unknown>(error, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "product" })
      })
    )
  )

  it.effect("one breaker per service: an open inventory breaker leaves product calls alone", () =>
    fresh(
      Effect.gen(function* () {
        yield* openInventory
        const product = yield* flaky(0, status("product", 500))
        assert.strictEqual(yield* inRequest(runStep(read("product.search"), product.call)), "ok")
        assert.deepStrictEqual(yield* stateOf("product"), { service: "product", state: "closed", consecutiveFailures: 0 })
      })
    )
  )

  it.effect("an optional step degrades while its service's breaker is open", () =>
    fresh(
      Effect.gen(function* () {
        yield* openInventory
        const fake = yield* flaky(0, status("inventory", 500))
        const context = yield* RequestContext.make({ requestId: "r", deadlineMs: 5_000 })
        const answer = yield* withContext(
          context,
          optionalStep(read("inventory.check"), fake.call, { code: "STOCK_UNKNOWN", message: "Stock could not be checked" })
        )
        assert.isTrue(Option.isNone(answer))
        assert.strictEqual(yield* fake.calls, 0)
        assert.deepInclude<unknown>(context.warnings[0], { code: "STOCK_UNKNOWN", service: "inventory" })
        assert.deepInclude<unknown>(context.trace[0], { outcome: "degraded", critical: false })
      })
    )
  )

  it.effect("half-open after the cool-down: exactly one trial goes through while other calls still fail fast", () =>
    fresh(
      Effect.gen(function* () {
        yield* openInventory
        yield* TestClock.adjust(COOLDOWN_MS - 1)
        const early = yield* flaky(0, status("inventory", 500))
        assert.deepInclude<unknown>(yield* Effect.flip(inRequest(runStep(reserve, early.call))), { _tag: "DOWNSTREAM_UNAVAILABLE" })
        assert.strictEqual(yield* early.calls, 0)

        yield* TestClock.adjust(1)
        assert.deepInclude<unknown>(yield* stateOf("inventory"), { state: "half-open" })
        const trial = yield* gated("reserved")
        const trialStep = yield* Effect.forkChild(inRequest(runStep(reserve, trial.call)))
        yield* trial.started

        const other = yield* gated("reserved")
        const refused = yield* Effect.flip(inRequest(runStep(reserve, other.call)))
        assert.deepInclude<unknown>(refused, { _tag: "DOWNSTREAM_UNAVAILABLE", service: "inventory" })
        assert.include(refused.message, "half-open")
        assert.strictEqual(yield* other.calls, 0)
        assert.strictEqual(yield* trial.calls, 1)

        // The trial succeeds: the breaker closes and calls go through again.
        yield* trial.release
        assert.strictEqual(yield* Fiber.join(trialStep), "reserved")
        assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "closed", consecutiveFailures: 0 })
        const after = yield* flaky(0, status("inventory", 500))
        assert.strictEqual(yield* inRequest(runStep(reserve, after.call)), "ok")
      })
    )
  )

  it.effect("a failed trial opens the breaker again, for a fresh cool-down", () =>
    fresh(
      Effect.gen(function* () {
        yield* openInventory
        yield* TestClock.adjust(COOLDOWN_MS)
        const trial = yield* failReserve(1)
        assert.strictEqual(yield* trial.calls, 1)
        assert.deepStrictEqual(yield* stateOf("inventory"), { service: "inventory", state: "open", consecutiveFailures: 6 })

        const probe = yield* flaky(0, status("inventory", 500))
        yield* TestClock.adjust(COOLDOWN_MS - 1)
        assert.deepInclude<unknown>(yield* Effect.flip(inRequest(runStep(reserve, probe.call))), { _tag: "DOWNSTREAM_UNAVAILABLE" })
        assert.strictEqual(yield* probe.calls, 0)
        yield* TestClock.adjust(1)
        assert.strictEqual(yield* inRequest(runStep(reserve, probe.call)), "ok")
        assert.strictEqual(yield* probe.calls, 1)
        assert.deepInclude<unknown>(yield* stateOf("inventory"), { state: "closed" })
      })
    )
  )

  it.effect("unprovided, calls are unguarded and no breaker state is kept", () =>
    Effect.gen(function* () {
      const fake = yield* failReserve(7)
      assert.strictEqual(yield* fake.calls, 7)
      assert.deepStrictEqual(yield* (yield* Resilience).states(), [])
    })
  )
})

/** Outcomes named by what they say about the service; anything else is a bug in the verdict. */
type Outcome = "down" | "unclear" | "bug"
const verdict = (exit: Exit.Exit<unknown, unknown>): Verdict => {
  if (Exit.isSuccess(exit)) return "success"
  const error = Option.getOrUndefined(Exit.findErrorOption(exit))
  if (error === "down") return "failure"
  if (error === "unclear") return "ignored"
  throw new Error(`no verdict for ${String(error)}`)
}
const outcome = (o: Outcome) => Effect.fail(o)
const up = Effect.succeed("up")

const breakerOf = (failures: number) => makeCircuitBreaker({ failures, cooldownMs: COOLDOWN_MS, verdict })

const statusOf = (breaker: CircuitBreaker, service = "svc") =>
  Effect.map(breaker.states, (states) => states.find((s) => s.service === service))

/** Opens the breaker of "svc" at the current time. */
const open = (breaker: CircuitBreaker, failures: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < failures; i++) yield* Effect.flip(breaker.run("svc", outcome("down")))
    assert.deepInclude<unknown>(yield* statusOf(breaker), { state: "open" })
  })

describe("circuit breaker state machine", () => {
  it.effect("an outcome that says nothing neither counts towards opening nor resets the streak", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(3)
      yield* Effect.flip(breaker.run("svc", outcome("down")))
      yield* Effect.flip(breaker.run("svc", outcome("down")))
      yield* Effect.flip(breaker.run("svc", outcome("unclear")))
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "closed", consecutiveFailures: 2 })
      yield* Effect.flip(breaker.run("svc", outcome("down")))
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "open", consecutiveFailures: 3 })
    })
  )

  it.effect("a trial call whose outcome says nothing leaves the circuit half-open, and the next call is the trial", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(1)
      yield* open(breaker, 1)
      yield* TestClock.adjust(COOLDOWN_MS)
      yield* Effect.flip(breaker.run("svc", outcome("unclear")))
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "half-open", consecutiveFailures: 1 })

      const trial = yield* gated("up")
      const trialRun = yield* Effect.forkChild(breaker.run("svc", trial.call))
      yield* trial.started
      assert.deepStrictEqual(yield* Effect.flip(breaker.run("svc", up)), new CircuitRejected({ service: "svc", state: "half-open" }))
      yield* trial.release
      assert.strictEqual(yield* Fiber.join(trialRun), "up")
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "closed", consecutiveFailures: 0 })
    })
  )

  it.effect("an interrupted trial call frees the circuit for the next trial", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(1)
      yield* open(breaker, 1)
      yield* TestClock.adjust(COOLDOWN_MS)
      const trial = yield* gated("up")
      const trialRun = yield* Effect.forkChild(breaker.run("svc", trial.call))
      yield* trial.started
      yield* Fiber.interrupt(trialRun)
      assert.deepInclude<unknown>(yield* statusOf(breaker), { state: "half-open", consecutiveFailures: 1 })
      assert.strictEqual(yield* breaker.run("svc", up), "up")
      assert.deepInclude<unknown>(yield* statusOf(breaker), { state: "closed" })
    })
  )

  it.effect("a verdict that throws fails the call with the defect and frees a trial call's circuit", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(1)
      yield* open(breaker, 1)
      yield* TestClock.adjust(COOLDOWN_MS)
      const exit = yield* Effect.exit(breaker.run("svc", outcome("bug")))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      assert.deepInclude<unknown>(yield* statusOf(breaker), { state: "half-open", consecutiveFailures: 1 })
      assert.strictEqual(yield* breaker.run("svc", up), "up")
    })
  )

  it.effect("a call admitted before the circuit opened no longer moves it when it ends, though metrics count it", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(2)
      const slow = yield* gated("late")
      const slowRun = yield* Effect.forkChild(breaker.run("svc", Effect.andThen(slow.call, outcome("down"))))
      yield* slow.started
      yield* open(breaker, 2)
      yield* TestClock.adjust(COOLDOWN_MS)
      assert.strictEqual(yield* breaker.run("svc", up), "up")

      // It fails once the circuit has closed again: one failure for metrics, none for the breaker.
      yield* slow.release
      assert.strictEqual(yield* Effect.flip(Fiber.join(slowRun)), "down")
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "closed", consecutiveFailures: 1 })
      yield* Effect.flip(breaker.run("svc", outcome("down")))
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "closed", consecutiveFailures: 2 })
      yield* Effect.flip(breaker.run("svc", outcome("down")))
      assert.deepStrictEqual(yield* statusOf(breaker), { service: "svc", state: "open", consecutiveFailures: 3 })
    })
  )

  it.effect("states lists services in the order they were first called, refused or not", () =>
    Effect.gen(function* () {
      const breaker = yield* breakerOf(1)
      yield* open(breaker, 1)
      yield* Effect.flip(breaker.run("svc", up))
      assert.strictEqual(yield* breaker.run("other", up), "up")
      assert.deepStrictEqual(
        (yield* breaker.states).map((s) => [s.service, s.state]),
        [
          ["svc", "open"],
          ["other", "closed"]
        ]
      )
    })
  )
})
