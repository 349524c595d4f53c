import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { removeExpiredCheckouts } from "@orchestra/core/checkout/CheckoutEngine"
import { type CheckoutRecord, CheckoutRegistry, isTerminal } from "@orchestra/core/stores/CheckoutRegistry"
import { postgresAnswers, TestDatabase } from "../../src/postgres/TestDatabase.ts"
import { placeSandboxOrder, type SandboxOrder, sandboxFlowsOnPostgres } from "../../src/sandbox/sandboxCheckouts.ts"
import { customer } from "./support.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

/** The sandbox's flows over the engine in the suite's own database. */
const Checkouts = Layer.unwrap(Effect.map(TestDatabase, ({ url }) => sandboxFlowsOnPostgres(url))).pipe(
  Layer.provideMerge(TestDatabase.layer)
)

const Count = Schema.Array(Schema.Struct({ count: Schema.Finite }))
const Ids = Schema.Array(Schema.Struct({ id: Schema.String }))

/** A checkout placed for real, once it stands where `settled` says it should. */
const placed = (order: Omit<SandboxOrder, "key">, settled: (record: CheckoutRecord) => boolean) =>
  Effect.gen(function* () {
    const key = `retention-${crypto.randomUUID()}`
    yield* Effect.exit(placeSandboxOrder({ ...order, key }))
    const registry = yield* CheckoutRegistry
    const [found] = yield* registry.find(key)
    assert.isDefined(found, `no checkout under ${key}`)
    const record = yield* registry.awaitRecord(found!.execution_id, Date.now() + 60_000, settled)
    assert.isTrue(Option.isSome(record) && settled(record.value), `checkout ${key} did not settle`)
    return Option.getOrThrow(record)
  })

/** Moves a checkout `days` into the past, as if it had been created and last changed then. */
const age = (executionId: string, days: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const by = Duration.toMillis(Duration.days(days))
    return sql`UPDATE orchestra_checkouts SET created_at = created_at - ${by}, updated_at = updated_at - ${by} WHERE execution_id = ${executionId}`
  })

/** The engine's requests to one execution's entities (its workflow and its timers). */
const requestsOf = (executionId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      Effect.flatMap(sql`SELECT request_id::text AS id FROM cluster_messages WHERE entity_id = ${executionId}`, Schema.decodeUnknownEffect(Ids)),
      (rows) => rows.map((row) => row.id)
    )
  )

const repliesTo = (requests: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      Effect.flatMap(
        sql`SELECT count(*)::float8 AS count FROM cluster_replies WHERE request_id::text IN ${sql.in(requests)}`,
        Schema.decodeUnknownEffect(Count)
      ),
      (rows) => rows[0]?.count ?? 0
    )
  )

describe.skipIf(skipPostgres)("checkout retention (PostgreSQL engine)", () => {
  layer(Checkouts, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect(
      "removes finished checkouts older than the retention with the engine's rows for them; keeps younger and unfinished ones",
      () =>
        Effect.gen(function* () {
          const registry = yield* CheckoutRegistry
          const oldCompleted = yield* placed({ owner: customer("cust_ret_1"), payment: "COD" }, (r) => r.state === "COMPLETED")
          const oldRejected = yield* placed({ owner: customer("cust_ret_2"), payment: "COD", misstatedTotal: true }, (r) => r.state === "REJECTED")
          const oldWaiting = yield* placed({ owner: customer("cust_ret_3"), payment: "GATEWAY" }, (r) => r.state === "AWAITING_PAYMENT")
          const youngCompleted = yield* placed({ owner: customer("cust_ret_4"), payment: "COD" }, (r) => r.state === "COMPLETED")
          for (const record of [oldCompleted, oldRejected, oldWaiting]) yield* age(record.execution_id, 31)

          const requests = yield* requestsOf(oldCompleted.execution_id)
          assert.isNotEmpty(requests, "the engine kept the finished checkout's messages")
          assert.isAbove(yield* repliesTo(requests), 0, "and the replies to them")
          assert.isAbove((yield* registry.steps(oldCompleted.execution_id)).length, 0)

          const removed = yield* removeExpiredCheckouts(Duration.days(30))

          assert.strictEqual(removed, 2)
          for (const gone of [oldCompleted, oldRejected]) {
            assert.isTrue(Option.isNone(yield* registry.get(gone.execution_id)), `${gone.state} checkout forgotten`)
            assert.deepStrictEqual(yield* registry.steps(gone.execution_id), [])
            assert.deepStrictEqual(yield* requestsOf(gone.execution_id), [], `${gone.state}: the engine's messages removed`)
          }
          assert.strictEqual(yield* repliesTo(requests), 0, "the replies removed with their messages")
          assert.deepStrictEqual(yield* registry.find(oldCompleted.order_id!), [])
          for (const kept of [oldWaiting, youngCompleted]) {
            const record = yield* registry.get(kept.execution_id)
            assert.isTrue(Option.isSome(record), `${kept.state} checkout kept`)
            assert.isNotEmpty(yield* requestsOf(kept.execution_id), `${kept.state}: the engine's rows kept`)
          }
          assert.isFalse(isTerminal(oldWaiting.state))
        }),
      120_000
    )

    it.effect("a removal that fails half way removes nothing: no engine rows are left without their checkout", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const registry = yield* CheckoutRegistry
        const old = yield* placed({ owner: customer("cust_ret_5"), payment: "COD" }, (r) => r.state === "COMPLETED")
        yield* age(old.execution_id, 31)
        // The engine's tables refuse the delete, as a lost connection or a lock timeout would.
        yield* sql`CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`
        yield* sql`CREATE TRIGGER refuse_delete BEFORE DELETE ON cluster_messages FOR EACH ROW EXECUTE FUNCTION refuse_delete()`

        const failed = yield* Effect.exit(removeExpiredCheckouts(Duration.days(30)))
        yield* sql`DROP TRIGGER refuse_delete ON cluster_messages`

        assert.isTrue(Exit.isFailure(failed))
        assert.isTrue(Option.isSome(yield* registry.get(old.execution_id)), "the checkout is still listed, so the next run removes it")
        assert.isAbove((yield* registry.steps(old.execution_id)).length, 0)
        assert.strictEqual(yield* removeExpiredCheckouts(Duration.days(30)), 1)
        assert.deepStrictEqual(yield* requestsOf(old.execution_id), [])
      }),
      120_000
    )

    it.effect("more finished checkouts than one statement can name (PostgreSQL's 65,535 parameters) are all removed", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const registry = yield* CheckoutRegistry
        const longAgo = Date.now() - Duration.toMillis(Duration.days(40))
        yield* sql`INSERT INTO orchestra_checkouts (execution_id, scope, client_key, fingerprint, cart_key, state, created_at, updated_at)
          SELECT 'bulk-' || n, 'dom_demo:c:cust_bulk', 'key-' || n, 'f', 'dom_demo:c:cust_bulk:DEFAULT', 'COMPLETED', ${longAgo}, ${longAgo}
          FROM generate_series(1, 66000) AS n`

        assert.strictEqual(yield* removeExpiredCheckouts(Duration.days(30)), 66_000)
        assert.deepStrictEqual(yield* registry.list({ states: ["COMPLETED"], createdBefore: longAgo + 1, limit: 1 }), [])
      }),
      // 66,000 rows written and removed: seconds on an idle machine, more on a busy one.
      120_000
    )
  })
})
