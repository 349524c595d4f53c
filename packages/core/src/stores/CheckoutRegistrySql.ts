import { Clock, Deferred, Effect, Layer, Option, Schedule, Schema } from "effect"
import { SqlClient } from "effect/sql"
import {
  applyUpdate,
  type CartClaim,
  type CheckoutRecord,
  CheckoutRegistry,
  CheckoutState,
  type CheckoutStep,
  claimOutcome,
  newRecord,
  registryUnavailable,
  terminalStates
} from "./CheckoutRegistry.ts"
import { makeChangeSignals } from "./changeSignals.ts"

/**
 * How often a request waiting on a checkout (its answer, its end) looks again when the checkout
 * runs on another process; a change made by this process wakes it at once.
 */
const POLL_MS = 100

const terminal = [...terminalStates]

/** Row columns as stored: timestamps are epoch ms (read back as float8), lists as JSON text. */
const Row = Schema.Struct({
  execution_id: Schema.String,
  scope: Schema.String,
  client_key: Schema.String,
  fingerprint: Schema.String,
  cart_key: Schema.String,
  state: CheckoutState,
  order_id: Schema.NullOr(Schema.String),
  order_number: Schema.NullOr(Schema.String),
  gateway_order_ids: Schema.fromJsonString(Schema.Array(Schema.String)),
  answer: Schema.NullOr(Schema.String),
  payment_window_ends_at: Schema.NullOr(Schema.Finite),
  created_at: Schema.Finite,
  updated_at: Schema.Finite
})
const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))
const encodeIds = Schema.encodeSync(Schema.fromJsonString(Schema.Array(Schema.String)))

const StepRow = Schema.Struct({
  activity: Schema.String,
  step: Schema.String,
  outcome: Schema.String,
  attempts: Schema.Int,
  started_at: Schema.Finite,
  duration_ms: Schema.Finite,
  error: Schema.NullOr(Schema.String)
})
const decodeSteps = Schema.decodeUnknownEffect(Schema.Array(StepRow))
const CountRow = Schema.Struct({ state: CheckoutState, count: Schema.Finite })
const decodeCounts = Schema.decodeUnknownEffect(Schema.Array(CountRow))
const OldestRow = Schema.Struct({ oldest: Schema.NullOr(Schema.Finite) })
const decodeOldest = Schema.decodeUnknownEffect(Schema.Array(OldestRow))
const IdRow = Schema.Struct({ execution_id: Schema.String })
const decodeIds = Schema.decodeUnknownEffect(Schema.Array(IdRow))

const toRecord = (row: typeof Row.Type): CheckoutRecord => ({
  execution_id: row.execution_id,
  scope: row.scope,
  client_key: row.client_key,
  fingerprint: row.fingerprint,
  cart_key: row.cart_key,
  state: row.state,
  ...(row.order_id === null ? {} : { order_id: row.order_id }),
  ...(row.order_number === null ? {} : { order_number: row.order_number }),
  gateway_order_ids: row.gateway_order_ids,
  ...(row.answer === null ? {} : { answer: row.answer }),
  ...(row.payment_window_ends_at === null ? {} : { payment_window_ends_at: row.payment_window_ends_at }),
  created_at: row.created_at,
  updated_at: row.updated_at
})

/**
 * The tables, created if missing. Several processes start at once against one database, so the
 * creation is serialised by a transaction-scoped advisory lock.
 */
const migrate = (sql: SqlClient.SqlClient) =>
  sql.withTransaction(
    Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(hashtext('orchestra_checkout_registry'))`
      yield* sql`CREATE TABLE IF NOT EXISTS orchestra_checkouts (
        execution_id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        client_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        cart_key TEXT NOT NULL,
        state TEXT NOT NULL,
        order_id TEXT,
        order_number TEXT,
        gateway_order_ids TEXT NOT NULL DEFAULT '[]',
        answer TEXT,
        payment_window_ends_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkouts_order_id ON orchestra_checkouts (order_id)`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkouts_order_number ON orchestra_checkouts (order_number)`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkouts_client_key ON orchestra_checkouts (client_key)`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkouts_state ON orchestra_checkouts (state, created_at)`
      yield* sql`CREATE TABLE IF NOT EXISTS orchestra_checkout_gateway_orders (
        gateway_order_id TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkout_gateway_orders_execution ON orchestra_checkout_gateway_orders (execution_id)`
      yield* sql`CREATE TABLE IF NOT EXISTS orchestra_checkout_carts (
        cart_key TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL
      )`
      yield* sql`CREATE TABLE IF NOT EXISTS orchestra_checkout_steps (
        id BIGSERIAL PRIMARY KEY,
        execution_id TEXT NOT NULL,
        activity TEXT NOT NULL,
        step TEXT NOT NULL,
        outcome TEXT NOT NULL,
        attempts INT NOT NULL,
        started_at BIGINT NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL,
        error TEXT
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_checkout_steps_execution ON orchestra_checkout_steps (execution_id, id)`
      yield* sql`CREATE TABLE IF NOT EXISTS orchestra_webhook_events (
        event_id TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL,
        received_at BIGINT NOT NULL
      )`
      yield* sql`CREATE INDEX IF NOT EXISTS orchestra_webhook_events_execution ON orchestra_webhook_events (execution_id)`
    })
  )

/**
 * The registry in the workflow engine's PostgreSQL database (`DATABASE_URL`), shared by every
 * server process. Conditional writes are single statements, so two processes cannot both take a
 * key or a cart.
 */
export const CheckoutRegistrySql = Layer.effect(
  CheckoutRegistry,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* migrate(sql).pipe(Effect.retry({ schedule: Schedule.exponential("200 millis"), times: 5 }), Effect.orDie)

    const columns = sql`execution_id, scope, client_key, fingerprint, cart_key, state, order_id, order_number, gateway_order_ids, answer,
      payment_window_ends_at::float8 AS payment_window_ends_at, created_at::float8 AS created_at, updated_at::float8 AS updated_at`
    const records = (rows: ReadonlyArray<unknown>) => Effect.map(decodeRows(rows), (decoded) => decoded.map(toRecord))
    const selectOne = (executionId: string) =>
      sql`SELECT ${columns} FROM orchestra_checkouts WHERE execution_id = ${executionId}`.pipe(
        Effect.flatMap(records),
        Effect.map((found) => Option.fromNullishOr(found[0]))
      )
    const get = (executionId: string) => selectOne(executionId).pipe(Effect.mapError(registryUnavailable))
    const signals = makeChangeSignals()

    return CheckoutRegistry.of({
      claim: (input) =>
        Effect.gen(function* () {
          const record = newRecord(input, yield* Clock.currentTimeMillis)
          const inserted = yield* sql`INSERT INTO orchestra_checkouts
              (execution_id, scope, client_key, fingerprint, cart_key, state, gateway_order_ids, created_at, updated_at)
            VALUES (${record.execution_id}, ${record.scope}, ${record.client_key}, ${record.fingerprint}, ${record.cart_key},
              ${record.state}, '[]', ${record.created_at}, ${record.updated_at})
            ON CONFLICT (execution_id) DO NOTHING
            RETURNING execution_id`
          if (inserted.length > 0) return claimOutcome(record, input, true)
          const existing = yield* selectOne(input.executionId)
          if (Option.isNone(existing)) return yield* Effect.die("a checkout claim vanished while it was read")
          return claimOutcome(existing.value, input, false)
        }).pipe(Effect.mapError(registryUnavailable)),

      get,

      update: (executionId, update) =>
        Effect.gen(function* () {
          const current = yield* selectOne(executionId)
          if (Option.isNone(current)) return
          const next = applyUpdate(current.value, update, yield* Clock.currentTimeMillis)
          // A gateway order belongs to one checkout; if a finished one has its id (a sandbox restarted
          // over a kept database numbers its orders from 1 again), the unfinished one takes it.
          for (const gatewayOrderId of update.gateway_order_ids ?? []) {
            yield* sql`INSERT INTO orchestra_checkout_gateway_orders (gateway_order_id, execution_id)
              VALUES (${gatewayOrderId}, ${executionId})
              ON CONFLICT (gateway_order_id) DO UPDATE SET execution_id = EXCLUDED.execution_id
              WHERE NOT EXISTS (
                SELECT 1 FROM orchestra_checkouts c
                WHERE c.execution_id = orchestra_checkout_gateway_orders.execution_id AND c.state NOT IN ${sql.in(terminal)}
              )`
          }
          yield* sql`UPDATE orchestra_checkouts SET
              state = ${next.state},
              order_id = ${next.order_id ?? null},
              order_number = ${next.order_number ?? null},
              gateway_order_ids = ${encodeIds(next.gateway_order_ids)},
              answer = ${next.answer ?? null},
              payment_window_ends_at = ${next.payment_window_ends_at ?? null},
              updated_at = ${next.updated_at}
            WHERE execution_id = ${executionId}`
          yield* signals.changed(executionId)
        }).pipe(Effect.mapError(registryUnavailable)),

      holdCart: (cartKey, executionId) =>
        Effect.gen(function* () {
          // Taken when free, already ours, or held by a checkout that has finished.
          const held = yield* sql`INSERT INTO orchestra_checkout_carts (cart_key, execution_id) VALUES (${cartKey}, ${executionId})
            ON CONFLICT (cart_key) DO UPDATE SET execution_id = EXCLUDED.execution_id
            WHERE orchestra_checkout_carts.execution_id = EXCLUDED.execution_id
               OR NOT EXISTS (
                 SELECT 1 FROM orchestra_checkouts c
                 WHERE c.execution_id = orchestra_checkout_carts.execution_id AND c.state NOT IN ${sql.in(terminal)}
               )
            RETURNING execution_id`
          if (held.length > 0) return { _tag: "Held" } satisfies CartClaim
          const holderRows = yield* sql`SELECT ${columns} FROM orchestra_checkouts
            WHERE execution_id = (SELECT execution_id FROM orchestra_checkout_carts WHERE cart_key = ${cartKey})`.pipe(Effect.flatMap(records))
          const holder = holderRows[0]
          // The holder finished between the two statements: try again.
          if (holder === undefined) return yield* Effect.fail(new Error("cart holder changed; retry"))
          return { _tag: "Busy", holder } satisfies CartClaim
        }).pipe(Effect.retry({ times: 3 }), Effect.mapError(registryUnavailable)),

      releaseCart: (cartKey, executionId) =>
        sql`DELETE FROM orchestra_checkout_carts WHERE cart_key = ${cartKey} AND execution_id = ${executionId}`.pipe(
          Effect.asVoid,
          Effect.mapError(registryUnavailable)
        ),

      findByGatewayOrderId: (gatewayOrderId) =>
        sql`SELECT ${columns} FROM orchestra_checkouts WHERE execution_id =
            (SELECT execution_id FROM orchestra_checkout_gateway_orders WHERE gateway_order_id = ${gatewayOrderId})`.pipe(
          Effect.flatMap(records),
          Effect.map((found) => Option.fromNullishOr(found[0])),
          Effect.mapError(registryUnavailable)
        ),

      find: (reference) =>
        sql`SELECT ${columns} FROM orchestra_checkouts
            WHERE execution_id = ${reference} OR order_id = ${reference} OR order_number = ${reference} OR client_key = ${reference}
            ORDER BY created_at`.pipe(Effect.flatMap(records), Effect.mapError(registryUnavailable)),

      recordWebhookEvent: (eventId, executionId) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const inserted = yield* sql`INSERT INTO orchestra_webhook_events (event_id, execution_id, received_at)
            VALUES (${eventId}, ${executionId}, ${now}) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`
          return inserted.length > 0
        }).pipe(Effect.mapError(registryUnavailable)),

      recordSteps: (executionId, steps) => {
        const [first, ...rest] = steps.map((s) => ({
          execution_id: executionId,
          activity: s.activity,
          step: s.step,
          outcome: s.outcome,
          attempts: s.attempts,
          started_at: Math.round(s.started_at),
          duration_ms: s.duration_ms,
          error: s.error ?? null
        }))
        return first === undefined
          ? Effect.void
          : sql`INSERT INTO orchestra_checkout_steps ${sql.insert([first, ...rest])}`.pipe(Effect.asVoid, Effect.mapError(registryUnavailable))
      },

      steps: (executionId) =>
        sql`SELECT activity, step, outcome, attempts, started_at::float8 AS started_at, duration_ms, error
            FROM orchestra_checkout_steps WHERE execution_id = ${executionId} ORDER BY id`.pipe(
          Effect.flatMap(decodeSteps),
          Effect.map((rows) =>
            rows.map(
              (r): CheckoutStep => ({
                activity: r.activity,
                step: r.step,
                outcome: r.outcome,
                attempts: r.attempts,
                started_at: r.started_at,
                duration_ms: r.duration_ms,
                ...(r.error === null ? {} : { error: r.error })
              })
            )
          ),
          Effect.mapError(registryUnavailable)
        ),

      list: (filter) =>
        sql`SELECT ${columns} FROM orchestra_checkouts
            WHERE ${filter.states === undefined ? sql`TRUE` : sql`state IN ${sql.in(filter.states)}`}
              AND ${filter.createdBefore === undefined ? sql`TRUE` : sql`created_at < ${filter.createdBefore}`}
            ORDER BY created_at LIMIT ${filter.limit}`.pipe(Effect.flatMap(records), Effect.mapError(registryUnavailable)),

      counts: Effect.gen(function* () {
        const byState = yield* sql`SELECT state, count(*)::float8 AS count FROM orchestra_checkouts GROUP BY state`.pipe(
          Effect.flatMap(decodeCounts)
        )
        const [oldest] = yield* sql`SELECT min(created_at)::float8 AS oldest FROM orchestra_checkouts
            WHERE state NOT IN ${sql.in(terminal)}`.pipe(Effect.flatMap(decodeOldest))
        return { byState, oldestUnfinishedAt: Option.fromNullishOr(oldest?.oldest) }
      }).pipe(Effect.mapError(registryUnavailable)),

      awaitRecord: (executionId, until, ready) =>
        Effect.gen(function* () {
          while (true) {
            const change = signals.next(executionId)
            const record = yield* get(executionId)
            const left = until - (yield* Clock.currentTimeMillis)
            if (Option.isNone(record) || ready(record.value) || left <= 0) return record
            yield* Effect.timeoutOption(Deferred.await(change), Math.min(POLL_MS, left))
          }
          // A checkout run by another process never signals here: drop its signal rather than keep it.
        }).pipe(Effect.ensuring(Effect.sync(() => signals.forget(executionId)))),

      removeFinishedBefore: (before, limit) =>
        sql.withTransaction(
          Effect.gen(function* () {
            const removed = yield* sql`DELETE FROM orchestra_checkouts WHERE execution_id IN (
                  SELECT execution_id FROM orchestra_checkouts
                  WHERE state IN ${sql.in(terminal)} AND updated_at < ${before} LIMIT ${limit}
                )
                RETURNING execution_id`.pipe(Effect.flatMap(decodeIds))
            const ids = removed.map((r) => r.execution_id)
            if (ids.length > 0) {
              yield* sql`DELETE FROM orchestra_checkout_steps WHERE execution_id IN ${sql.in(ids)}`
              yield* sql`DELETE FROM orchestra_checkout_gateway_orders WHERE execution_id IN ${sql.in(ids)}`
              yield* sql`DELETE FROM orchestra_webhook_events WHERE execution_id IN ${sql.in(ids)}`
              yield* sql`DELETE FROM orchestra_checkout_carts WHERE execution_id IN ${sql.in(ids)}`
            }
            return ids
          })
        ).pipe(Effect.mapError(registryUnavailable))
    })
  })
)
