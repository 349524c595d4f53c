import { assert, describe, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import type { PlaceOrderResponse } from "@orchestra/core/checkout/PlaceOrderResponse"
import { CustomerId, DomainId } from "@orchestra/core/domain/Ids"
import type { Owner } from "@orchestra/core/domain/Owner"
import { postgresAnswers, TestDatabase, withTestDatabase } from "@orchestra/testkit/postgres/TestDatabase"
import { placeSandboxOrder, type SandboxOrder, sandboxFlowsOnPostgres } from "@orchestra/testkit/sandbox/sandboxCheckouts"
import { freePort } from "@orchestra/testkit/net/freePort"
import { PROCESS_TIMEOUT, runCli } from "./support/runCli.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

const customer = (id: string): Owner => ({ _tag: "Customer", domainId: DomainId.make("dom_demo"), customerId: CustomerId.make(id) })

interface Placed {
  readonly key: string
  readonly order?: PlaceOrderResponse["order"]
  readonly payment?: PlaceOrderResponse["payment"]
}

/** Four real checkouts, run through the flows and the workflow engine into the suite's database. */
class Checkouts extends Context.Service<
  Checkouts,
  { readonly databaseUrl: string; readonly completed: Placed; readonly waiting: Placed; readonly rejected: Placed }
>()("orchestra/cli/test/Checkouts") {}

const place = (order: SandboxOrder) =>
  Effect.map(Effect.result(placeSandboxOrder(order)), (answer): Placed =>
    answer._tag === "Success" ? { key: order.key, order: answer.success.order, payment: answer.success.payment } : { key: order.key }
  )

/** Moves a checkout and its journal `hours` into the past, as if it had run then. */
const age = (key: string, hours: number) =>
  withTestDatabase((sql) =>
    Effect.gen(function* () {
      const by = Duration.toMillis(Duration.hours(hours))
      yield* sql`UPDATE orchestra_checkout_steps SET started_at = started_at - ${by}
        WHERE execution_id IN (SELECT execution_id FROM orchestra_checkouts WHERE client_key = ${key})`
      yield* sql`UPDATE orchestra_checkouts SET created_at = created_at - ${by}, updated_at = updated_at - ${by} WHERE client_key = ${key}`
    })
  )

/**
 * Cash on delivery (COMPLETED, moved three hours into the past), a gateway payment left waiting
 * (AWAITING_PAYMENT), and a misstated total (REJECTED) by another customer under the same
 * Idempotency-Key as the waiting one.
 */
const PlacedCheckouts = Layer.effect(
  Checkouts,
  Effect.gen(function* () {
    const database = yield* TestDatabase
    const completed = yield* place({ owner: customer("cust_cli_cod"), payment: "COD", key: `cli-${crypto.randomUUID()}` })
    const shared = `cli-${crypto.randomUUID()}`
    const waiting = yield* place({ owner: customer("cust_cli_gateway"), payment: "GATEWAY", key: shared })
    const rejected = yield* place({ owner: customer("cust_cli_rejected"), payment: "COD", misstatedTotal: true, key: shared })
    // Phase 2 of the COD checkout ends after its answer: wait (bounded) until it is recorded COMPLETED.
    yield* withTestDatabase((sql) =>
      Effect.gen(function* () {
        for (let attempt = 0; attempt < 400; attempt++) {
          const rows = yield* sql`SELECT 1 FROM orchestra_checkouts WHERE client_key = ${completed.key} AND state = 'COMPLETED'`
          if (rows.length > 0) return
          yield* Effect.sleep("50 millis")
        }
        return yield* Effect.die(new Error("the COD checkout never completed"))
      })
    )
    yield* age(completed.key, 3)
    return { databaseUrl: Redacted.value(database.url), completed, waiting, rejected }
  })
).pipe(
  Layer.provide(Layer.unwrap(Effect.map(TestDatabase, ({ url }) => sandboxFlowsOnPostgres(url)))),
  Layer.provideMerge(TestDatabase.layer)
)

const CheckoutState = Schema.Literals(["CLAIMED", "STARTED", "AWAITING_PAYMENT", "PAID", "COMPENSATING", "COMPLETED", "CANCELLED", "REJECTED", "HELD_FOR_REVIEW"])
const Summary = {
  execution_id: Schema.String,
  state: CheckoutState,
  created_at: Schema.String,
  age_seconds: Schema.Int,
  order_id: Schema.optionalKey(Schema.String),
  order_number: Schema.optionalKey(Schema.String),
  client_key: Schema.String,
  cart_key: Schema.String,
  gateway_order_ids: Schema.Array(Schema.String),
  payment_window_ends_at: Schema.optionalKey(Schema.String)
}
const ListJson = Schema.fromJsonString(Schema.Struct({ checkouts: Schema.Array(Schema.Struct(Summary)) }))
const ShowJson = Schema.fromJsonString(
  Schema.Struct({
    checkouts: Schema.Array(
      Schema.Struct({
        ...Summary,
        answer: Schema.Union([
          Schema.Struct({ _tag: Schema.Literal("Placed"), response: Schema.Struct({ order: Schema.Struct({ id: Schema.String, order_status: Schema.String }) }) }),
          Schema.Struct({ _tag: Schema.Literal("Refused"), error: Schema.Struct({ _tag: Schema.String, message: Schema.String }) })
        ]),
        steps: Schema.Array(
          Schema.Struct({
            activity: Schema.String,
            step: Schema.String,
            outcome: Schema.Literals(["ok", "failed", "degraded"]),
            attempts: Schema.Int,
            started_at: Schema.String,
            offset_ms: Schema.Int,
            duration_ms: Schema.Finite,
            error: Schema.optionalKey(Schema.String)
          })
        )
      })
    )
  })
)

/** The lines of a listing that describe checkouts (not the header, not the count). */
const rows = (stdout: string) => stdout.split("\n").filter((line) => /^[A-Z_]+ {2,}\S/.test(line) && !line.startsWith("STATE"))

/** The rows of a `show` timeline: start, activity, step, outcome, tries, time, error. */
const timelineRows = (stdout: string) =>
  stdout
    .split("\n")
    .map((line) => /^ {2}(\+\S+(?: \S+)?) +(\S+) +(\S+) +(ok|FAILED|degraded) +(\d+) +(\d+\.\d ms)(?: {2}(.*))?$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ start: match[1]!, activity: match[2]!, step: match[3]!, outcome: match[4]!, tries: Number(match[5]), error: match[7] }))

const phaseOne = ["cart.find", "inventory.checkAvailability", "product.search", "inventory.reserve", "order.createMaster", "order.createSubOrders", "payment.initiate"]

describe.skipIf(skipPostgres)("orchestra checkout (as a process, over the engine's PostgreSQL)", () => {
  layer(PlacedCheckouts, { excludeTestServices: true, timeout: "120 seconds" })((it) => {
    it.effect(
      "list: one line per checkout, oldest first, with state, age, order, key, cart and execution; --state (repeated), --unfinished, --older-than, --limit",
      () =>
        Effect.gen(function* () {
          const { databaseUrl, completed, waiting } = yield* Checkouts
          const env = { DATABASE_URL: databaseUrl }
          // Each process loads the whole orchestrator: one run per flag, several flags a run.
          const [all, finishedFirst, unfinished, old] = yield* Effect.all(
            [
              runCli(["checkout", "list"], env),
              runCli(["checkout", "list", "--state", "COMPLETED", "--state", "REJECTED", "--limit", "1"], env),
              runCli(["checkout", "list", "--unfinished"], env),
              runCli(["checkout", "list", "--older-than", "2h"], env)
            ],
            { concurrency: 2 }
          )
          for (const run of [all, finishedFirst, unfinished, old]) assert.strictEqual(run.code, 0, run.stderr)

          assert.match(all.stdout, /^STATE +AGE +ORDER +CLIENT KEY +CART +EXECUTION$/m)
          const lines = rows(all.stdout)
          assert.lengthOf(lines, 3, all.stdout)
          const order = completed.order!
          assert.match(
            lines[0]!,
            new RegExp(`^COMPLETED +3h 0\\dm +${order.id} / ${order.number} +${completed.key} +dom_demo:c:cust_cli_cod:DEFAULT +[0-9a-f]{32}$`)
          )
          assert.match(lines[1]!, new RegExp(`^AWAITING_PAYMENT +\\d+s +${waiting.order!.id} / ${waiting.order!.number} +${waiting.key} +dom_demo:c:cust_cli_gateway:DEFAULT `))
          assert.match(lines[2]!, new RegExp(`^REJECTED +\\d+s +- +${waiting.key} +dom_demo:c:cust_cli_rejected:DEFAULT `))
          assert.include(all.stdout, "3 checkouts, oldest first")

          assert.deepStrictEqual(rows(finishedFirst.stdout).map((line) => line.split(/ +/)[0]), ["COMPLETED"])
          assert.include(finishedFirst.stdout, "1 checkout, oldest first (the first 1: --limit for more)")
          assert.deepStrictEqual(rows(unfinished.stdout).map((line) => line.split(/ +/)[0]), ["AWAITING_PAYMENT"])
          assert.deepStrictEqual(rows(old.stdout).map((line) => line.split(/ +/)[0]), ["COMPLETED"])
        }),
      PROCESS_TIMEOUT
    )

    it.effect(
      "list --format json: every checkout with its times, order and gateway orders",
      () =>
        Effect.gen(function* () {
          const { databaseUrl, completed, waiting } = yield* Checkouts
          const run = yield* runCli(["checkout", "list", "--format", "json"], { DATABASE_URL: databaseUrl })
          assert.strictEqual(run.code, 0, run.stderr)
          const { checkouts } = Schema.decodeUnknownSync(ListJson)(run.stdout)
          assert.deepStrictEqual(
            checkouts.map((c) => [c.state, c.order_id ?? null, c.client_key]),
            [
              ["COMPLETED", completed.order!.id, completed.key],
              ["AWAITING_PAYMENT", waiting.order!.id, waiting.key],
              ["REJECTED", null, waiting.key]
            ]
          )
          assert.isAtLeast(checkouts[0]!.age_seconds, 3 * 3600)
          const gateway = waiting.payment!.find((p) => p.payment_mode === "GATEWAY")!
          assert.deepStrictEqual(checkouts[1]!.gateway_order_ids, [gateway.gateway_order_id!])
          assert.isDefined(checkouts[1]!.payment_window_ends_at)
          assert.deepStrictEqual(checkouts[2]!.gateway_order_ids, [])
        }),
      PROCESS_TIMEOUT
    )

    it.effect(
      "show by order id or execution id: the record, the answer, and every downstream call as a timeline",
      () =>
        Effect.gen(function* () {
          const { databaseUrl, completed } = yield* Checkouts
          const env = { DATABASE_URL: databaseUrl }
          const order = completed.order!
          const byId = yield* runCli(["checkout", "show", order.id], env)
          assert.strictEqual(byId.code, 0, byId.stderr)
          const heading = /^checkout ([0-9a-f]{32}) · COMPLETED$/m.exec(byId.stdout)
          assert.isNotNull(heading, byId.stdout)
          const executionId = heading![1]!
          assert.match(byId.stdout, new RegExp(`^ {2}client key +${completed.key} \\(owner dom_demo:c:cust_cli_cod\\)$`, "m"))
          assert.match(byId.stdout, /^ {2}created +\d{4}-\d\d-\d\dT[\d:.]+Z \(3h 0\dm ago\)$/m)
          assert.match(byId.stdout, new RegExp(`^ {2}order +${order.id} / ${order.number}$`, "m"))
          assert.match(byId.stdout, new RegExp(`^ {2}answer +placed: order ${order.id} CONFIRMED, [\\d.]+ INR; payments MANUAL/COD [\\d.]+ SUCCESS$`, "m"))

          const timeline = timelineRows(byId.stdout)
          const steps = timeline.map((row) => row.step)
          for (const step of [...phaseOne, "inventory.deduct", "cart.removeLines", "notification.send", "event.publish"]) assert.include(steps, step, byId.stdout)
          // In the order the saga made them (the availability check and the product search run side by side).
          const at = (step: string) => steps.indexOf(step)
          const inSequence = ["cart.find", "inventory.reserve", "order.createMaster", "order.createSubOrders", "payment.initiate", "inventory.deduct", "notification.send"]
          assert.isTrue(inSequence.every((step, i) => i === 0 || at(inSequence[i - 1]!) < at(step)), steps.join(", "))
          for (const step of ["inventory.checkAvailability", "product.search"]) {
            assert.isTrue(at("cart.find") < at(step) && at(step) < at("inventory.reserve"), steps.join(", "))
          }
          // Moved three hours back with its journal: the first call still starts within a second of the checkout.
          assert.match(timeline[0]!.start, /^\+0\.\d{3} s$/)
          assert.deepStrictEqual(timeline.find((row) => row.step === "payment.initiate")?.activity, "payment.initiate#0")
          assert.deepStrictEqual(timeline.find((row) => row.activity === "order.setPaymentStatus#confirm")?.step, "order.setPaymentStatus")
          assert.isTrue(timeline.every((row) => row.tries >= 1))
          // A refusal is journalled with its error: the demo catalog has no loyalty account for this customer.
          assert.deepStrictEqual(
            timeline.filter((row) => row.outcome !== "ok").map((row) => [row.step, row.outcome, row.error]),
            [["loyalty.reward", "FAILED", "no loyalty account for customer cust_cli_cod"]]
          )
          assert.match(byId.stdout, new RegExp(`^ {2}${timeline.length} downstream calls$`, "m"))

          // By order number in the JSON test, by key in the next one; by the execution id it prints:
          const byExecution = yield* runCli(["checkout", "show", executionId], env)
          assert.strictEqual(byExecution.code, 0, byExecution.stderr)
          assert.deepStrictEqual(timelineRows(byExecution.stdout), timeline)
          assert.strictEqual(byExecution.stdout.split("\n")[0], `checkout ${executionId} · COMPLETED`)
        }),
      PROCESS_TIMEOUT
    )

    it.effect(
      "show a key two customers used: both checkouts, the one waiting for its gateway payment and the refused one",
      () =>
        Effect.gen(function* () {
          const { databaseUrl, waiting } = yield* Checkouts
          const run = yield* runCli(["checkout", "show", waiting.key], { DATABASE_URL: databaseUrl })
          assert.strictEqual(run.code, 0, run.stderr)
          const gateway = waiting.payment!.find((p) => p.payment_mode === "GATEWAY")!
          const [first, second] = run.stdout.split(/\n(?=checkout )/)
          assert.match(first!, /^checkout [0-9a-f]{32} · AWAITING_PAYMENT\n/)
          assert.match(first!, new RegExp(`^ {2}gateway orders +${gateway.gateway_order_id}$`, "m"))
          assert.match(first!, /^ {2}payment window +ends \d{4}-\d\d-\d\dT[\d:.]+Z$/m)
          assert.match(
            first!,
            new RegExp(`^ {2}answer +placed: order ${waiting.order!.id} PENDING, .*GATEWAY/PHONEPE [\\d.]+ PENDING \\(gateway order ${gateway.gateway_order_id}\\)$`, "m")
          )
          const steps = timelineRows(first!).map((row) => row.step)
          assert.include(steps, "payment.initiate")
          assert.notInclude(steps, "inventory.deduct", "phase 2 waits for the payment")

          assert.match(second!, /^checkout [0-9a-f]{32} · REJECTED\n/)
          assert.match(second!, /^ {2}order +-$/m)
          assert.match(second!, /^ {2}answer +refused: CART_CHANGED: /m)
          assert.notInclude(timelineRows(second!).map((row) => row.step), "inventory.reserve", "refused before anything was created")
        }),
      PROCESS_TIMEOUT
    )

    it.effect(
      "show --format json: the record, the answer as the client got it, the steps in the order they started",
      () =>
        Effect.gen(function* () {
          const { databaseUrl, completed } = yield* Checkouts
          const run = yield* runCli(["checkout", "show", completed.order!.number, "--format", "json"], { DATABASE_URL: databaseUrl })
          assert.strictEqual(run.code, 0, run.stderr)
          const [checkout, ...more] = Schema.decodeUnknownSync(ShowJson)(run.stdout).checkouts
          assert.deepStrictEqual(more, [])
          assert.strictEqual(checkout!.state, "COMPLETED")
          assert.deepStrictEqual(checkout!.answer, {
            _tag: "Placed",
            response: { order: { id: completed.order!.id, order_status: "CONFIRMED" } }
          })
          const steps = checkout!.steps.map((s) => s.step)
          for (const step of [...phaseOne, "inventory.deduct"]) assert.include(steps, step)
          const offsets = checkout!.steps.map((s) => s.offset_ms)
          assert.deepStrictEqual(offsets, [...offsets].sort((a, b) => a - b))
          assert.isTrue(offsets.every((offset) => offset >= 0 && offset < 60_000), offsets.join(", "))
          assert.deepStrictEqual(checkout!.steps.find((s) => s.step === "loyalty.reward")?.outcome, "failed")
        }),
      PROCESS_TIMEOUT
    )

    it.effect(
      "bad input and no database: a clear error and exit 2; nothing found or a database that does not answer: exit 1",
      () =>
        Effect.gen(function* () {
          const { databaseUrl } = yield* Checkouts
          const env = { DATABASE_URL: databaseUrl }
          const port = yield* Effect.promise(freePort)
          const [unknown, noUrl, badAge, badLimit, down] = yield* Effect.all(
            [
              runCli(["checkout", "show", "ord_nonexistent"], env),
              runCli(["checkout", "list"]),
              runCli(["checkout", "list", "--older-than", "2 hours"], env),
              runCli(["checkout", "list", "--limit", "0"], env),
              runCli(["checkout", "show", "ord_1"], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/orchestra` })
            ],
            { concurrency: 2 }
          )
          assert.strictEqual(unknown.code, 1)
          assert.include(unknown.stderr, "no checkout matches ord_nonexistent")
          assert.strictEqual(noUrl.code, 2)
          assert.include(noUrl.stderr, "DATABASE_URL is not set")
          assert.strictEqual(badAge.code, 2)
          assert.include(badAge.stderr, '--older-than: expected a duration like 15m, 2h, 3d or 1h30m, got "2 hours"')
          assert.strictEqual(badLimit.code, 2)
          assert.include(badLimit.stderr, "--limit must be between 1 and 10000, got 0")
          assert.strictEqual(down.code, 1)
          assert.include(down.stderr, `the checkout database at 127.0.0.1:${port}/orchestra does not answer`)
          assert.include(down.stderr, "ECONNREFUSED")

          // A database that is not the engine's: refused, and left as it was.
          yield* Effect.gen(function* () {
            const other = yield* TestDatabase
            const wrong = yield* runCli(["checkout", "list"], { DATABASE_URL: Redacted.value(other.url) })
            assert.strictEqual(wrong.code, 2)
            assert.include(wrong.stderr, `DATABASE_URL points at 127.0.0.1:5432/${other.name}, which holds no checkouts`)
            const tables = yield* withTestDatabase((sql) => sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
            assert.deepStrictEqual(tables, [])
          }).pipe(Effect.provide(Layer.fresh(TestDatabase.layer)))
        }),
      PROCESS_TIMEOUT
    )
  })
})
