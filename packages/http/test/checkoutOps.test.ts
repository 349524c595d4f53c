import { describe, expect, it } from "@effect/vitest"
import { postgresAdminUrl, postgresAnswers, TestDatabase, withTestDatabase } from "@orchestra/testkit/postgres/TestDatabase"
import { Duration, Effect, Redacted, Schema } from "effect"
import { makeLogCapture } from "./support/logs.ts"
import { codOrder, gatewayOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { waitUntil } from "./support/processes.ts"
import { parsePrometheus, sampleOf } from "./support/prometheus.ts"
import { send } from "./support/server.ts"
import { tcpProxy } from "./support/tcpProxy.ts"

const skipPostgres = !(await postgresAnswers()) && !process.env.CI

const checkoutStates = ["CLAIMED", "STARTED", "AWAITING_PAYMENT", "PAID", "COMPENSATING", "COMPLETED", "CANCELLED", "REJECTED", "HELD_FOR_REVIEW"]

const shopper = () => ({ "x-domain-id": "dom_demo", "x-customer-id": `cust_ops_${crypto.randomUUID()}` })

const Placed = Schema.Struct({ order: Schema.Struct({ id: Schema.String, order_status: Schema.String }) })

/** `orchestra_checkouts` by state, and the oldest unfinished checkout's age, as one scrape reports them. */
const checkoutSeries = (text: string) => {
  const series = parsePrometheus(text)
  return {
    byState: Object.fromEntries(checkoutStates.map((state) => [state, sampleOf(series, "orchestra_checkouts", { state })])),
    oldestSeconds: sampleOf(series, "orchestra_checkout_oldest_unfinished_seconds", {})
  }
}

const scrape = Effect.map(send("GET", "/metrics"), (answer) => {
  expect(answer.status).toBe(200)
  return answer.text
})

/** Places the owner's ready cart with `body(net payable)` under a fresh key. */
const place = (headers: Record<string, string>, body: (net: number) => unknown) =>
  Effect.gen(function* () {
    const net = netPayableOf(yield* readyCart(headers))
    return yield* send("POST", "/cart/place-order", { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: body(net) })
  })

/** Moves the checkout of `orderId` `hours` into the past, through a connection of the test's own. */
const age = (orderId: string, hours: number) =>
  withTestDatabase((sql) => {
    const by = Duration.toMillis(Duration.hours(hours))
    return sql`UPDATE orchestra_checkouts SET created_at = created_at - ${by}, updated_at = updated_at - ${by} WHERE order_id = ${orderId}`
  })

describe.skipIf(skipPostgres)("/ready and /metrics with the checkouts in PostgreSQL (DATABASE_URL)", () => {
  it.live(
    "checkouts by state and the oldest unfinished one's age, read at scrape time; the database cut: /ready 503, /metrics still answers without them",
    () =>
      Effect.gen(function* () {
        const database = yield* TestDatabase
        const admin = new URL(postgresAdminUrl)
        // The server reaches its database through a proxy the test can cut.
        const proxy = yield* tcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) })
        const proxied = new URL(Redacted.value(database.url))
        proxied.hostname = "127.0.0.1"
        proxied.port = String(proxy.port)
        const logs = makeLogCapture()
        const server = orchestraTestServer(
          { PORT: "0", DATABASE_URL: proxied.toString(), ORCHESTRA_ENGINE_POLL_MS: "100", ORCHESTRA_ENGINE_SHUTDOWN_S: "1" },
          logs
        )

        yield* Effect.gen(function* () {
          const ready = yield* send("GET", "/ready")
          expect(ready.status).toBe(200)
          expect(ready.json).toEqual({ status: "ok", redis: "not configured", checkouts: "up" })
          const empty = checkoutSeries(yield* scrape)
          expect(empty.byState).toEqual(Object.fromEntries(checkoutStates.map((state) => [state, 0])))
          expect(empty.oldestSeconds).toBe(0)

          const completed = yield* place(shopper(), codOrder)
          expect(completed.status).toBe(200)
          const refused = yield* place(shopper(), (net) => codOrder(net + 1))
          expect(refused.status).toBe(409)
          const waiting = yield* place(shopper(), gatewayOrder)
          expect(waiting.status).toBe(200)
          expect(Schema.decodeUnknownSync(Placed)(waiting.json).order.order_status).toBe("PENDING")
          // The unfinished checkout an hour old, the completed one two: only the unfinished one counts for the age.
          yield* age(Schema.decodeUnknownSync(Placed)(waiting.json).order.id, 1)
          yield* age(Schema.decodeUnknownSync(Placed)(completed.json).order.id, 2)
          // The COD checkout is answered once confirmed, and marked COMPLETED right after.
          yield* waitUntil("the COD checkout to complete", Effect.map(scrape, (text) => checkoutSeries(text).byState.COMPLETED === 1), 200)

          const after = checkoutSeries(yield* scrape)
          expect(after.byState).toEqual({ ...Object.fromEntries(checkoutStates.map((state) => [state, 0])), COMPLETED: 1, REJECTED: 1, AWAITING_PAYMENT: 1 })
          expect(after.oldestSeconds).toBeGreaterThanOrEqual(3600)
          expect(after.oldestSeconds).toBeLessThan(7200)

          yield* proxy.cut
          const down = yield* send("GET", "/ready")
          expect(down.status).toBe(503)
          expect(down.json).toEqual({ status: "unavailable", redis: "not configured", checkouts: "down" })
          const withoutCheckouts = parsePrometheus(yield* scrape)
          expect(withoutCheckouts.filter((s) => s.name.startsWith("orchestra_checkout_") || s.name === "orchestra_checkouts")).toEqual([])
          expect(withoutCheckouts.some((s) => s.name === "orchestra_http_requests_total")).toBe(true)
          expect(logs.lines().filter((line) => line.level === "WARN").map((line) => String(line.message))).toContain(
            "checkout series left out of /metrics: the checkout registry did not answer"
          )

          yield* proxy.restore
          yield* waitUntil("/ready to answer 200 again", Effect.map(send("GET", "/ready"), (answer) => answer.status === 200), 200)
          expect(checkoutSeries(yield* scrape).byState.AWAITING_PAYMENT).toBe(1)
        }).pipe(
          // A failed assertion while cut must not leave the engine to stop without its database.
          Effect.ensuring(proxy.restore),
          Effect.provide(server)
        )
      }).pipe(Effect.provide(TestDatabase.layer)),
    120_000
  )
})
