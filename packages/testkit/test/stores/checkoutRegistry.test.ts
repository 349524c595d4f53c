import { PgClient } from "@effect/sql-pg"
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { CheckoutRegistry } from "@orchestra/core/stores/CheckoutRegistry"
import { CheckoutRegistrySql } from "@orchestra/core/stores/CheckoutRegistrySql"
import { postgresAnswers, TestDatabase } from "../../src/postgres/TestDatabase.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

const SqlRegistry = CheckoutRegistrySql.pipe(
  Layer.provide(Layer.unwrap(Effect.map(TestDatabase, ({ url }) => PgClient.layer({ url })))),
  Layer.provide(TestDatabase.layer)
)

/**
 * A request waiting for its checkout's answer is woken by the change that gives it, when this
 * process makes it: the workflow runs where the request came in, and a poll would add its interval
 * to every checkout. Time is the TestClock's and never advanced, so only the wake can end the wait.
 */
const wakesOnChange = Effect.gen(function* () {
  const registry = yield* CheckoutRegistry
  const executionId = crypto.randomUUID().replaceAll("-", "")
  yield* registry.claim({ executionId, scope: "dom_demo:c:cust_1", clientKey: executionId, fingerprint: "f", cartKey: `cart-${executionId}` })
  const looked = yield* Deferred.make<void>()
  const waiter = yield* registry
    .awaitRecord(executionId, Number.MAX_SAFE_INTEGER, (record) => {
      Deferred.doneUnsafe(looked, Effect.void)
      return record.answer !== undefined
    })
    .pipe(Effect.forkChild)
  // The waiter has read the checkout without its answer: from here it waits.
  yield* Deferred.await(looked)
  yield* registry.update(executionId, { answer: "placed" })
  const record = yield* TestClock.testClockWith((clock) => clock.withLive(Effect.timeoutOption(Fiber.join(waiter), "10 seconds")))
  assert.deepStrictEqual(Option.flatMap(Option.flatten(record), (r) => Option.fromNullishOr(r.answer)), Option.some("placed"))
})

describe("checkout registry", () => {
  layer(CheckoutRegistry.layerMemory)("in memory", (it) => {
    it.effect("a change wakes the requests waiting on the checkout", () => wakesOnChange)
  })
  describe.skipIf(skipPostgres)("in PostgreSQL", () => {
    layer(SqlRegistry, { timeout: 30_000 })((it) => {
      it.effect("a change this process makes wakes its requests waiting on the checkout at once", () => wakesOnChange)
    })
  })
})
