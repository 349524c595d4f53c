import { createServer, type Server } from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, type Scope } from "effect"
import { HttpClient } from "effect/http"
import { makeLogCapture } from "./support/logs.ts"
import { codOrder, netPayableOf, orchestraTestServer, readyCart } from "./support/orchestra.ts"
import { parsePrometheus, sampleOf } from "./support/prometheus.ts"
import { send } from "./support/server.ts"

const shopper = () => ({ "x-domain-id": "dom_demo", "x-customer-id": `cust_obs_${crypto.randomUUID()}` })

describe("GET /metrics", () => {
  it.live("after a few requests: requests by route and status, downstream calls by service and outcome, circuits, cache, checkouts", () =>
    Effect.gen(function* () {
      const headers = shopper()
      const ready = yield* readyCart(headers)
      expect((yield* send("GET", "/cart?compute=false", { headers })).json).toMatchObject({ from_cache: true })
      const net = netPayableOf(ready)
      const refused = yield* send("POST", "/cart/place-order", { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(net + 1) })
      expect(refused.status).toBe(409)
      const placed = yield* send("POST", "/cart/place-order", { headers: { ...headers, "idempotency-key": crypto.randomUUID() }, body: codOrder(net) })
      expect(placed.status).toBe(200)
      expect((yield* send("GET", "/no-such-route")).status).toBe(404)
      const unsigned = yield* send("POST", "/payments/webhooks/phonepe", { body: "{}" })
      // Recommendations answer 503 (the fault below): reads retried, then the breaker opens and refuses.
      const browsing = shopper()
      yield* send("POST", "/cart/items", { headers: browsing, body: { operations: [{ op: "ADD", product_id: "prod_case", quantity: 1 }] } })
      for (let i = 0; i < 3; i++) expect((yield* send("GET", "/cart/suggestions", { headers: browsing })).status).toBe(200)

      const answer = yield* send("GET", "/metrics")
      expect(answer.status).toBe(200)
      expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
      const series = parsePrometheus(answer.text)

      expect(sampleOf(series, "orchestra_http_requests_total", { method: "POST", route: "/cart/items", status: "200" })).toBe(2)
      expect(sampleOf(series, "orchestra_http_requests_total", { method: "POST", route: "/cart/place-order", status: "409" })).toBe(1)
      expect(
        sampleOf(series, "orchestra_http_requests_total", { method: "POST", route: "/payments/webhooks/:gateway", status: String(unsigned.status) })
      ).toBe(1)
      // Unknown paths share one label value, so clients cannot blow up the series count.
      expect(sampleOf(series, "orchestra_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBe(1)
      expect(
        sampleOf(series, "orchestra_http_request_duration_seconds_bucket", { method: "PUT", route: "/cart", status: "200", le: "+Inf" })
      ).toBe(1)
      expect(sampleOf(series, "orchestra_http_request_duration_seconds_count", { method: "GET", route: "/cart", status: "200" })).toBe(1)

      expect(sampleOf(series, "orchestra_downstream_calls_total", { service: "cart", outcome: "ok" })).toBeGreaterThan(3)
      expect(sampleOf(series, "orchestra_downstream_calls_total", { service: "recommendations", outcome: "error" })).toBeGreaterThanOrEqual(5)
      expect(sampleOf(series, "orchestra_downstream_calls_total", { service: "recommendations", outcome: "rejected" })).toBeGreaterThan(0)
      expect(
        sampleOf(series, "orchestra_downstream_call_duration_seconds_count", { service: "inventory", outcome: "ok" })
      ).toBeGreaterThan(0)

      expect(sampleOf(series, "orchestra_circuit_state", { service: "cart", state: "closed" })).toBe(1)
      expect(sampleOf(series, "orchestra_circuit_state", { service: "recommendations", state: "open" })).toBe(1)
      expect(sampleOf(series, "orchestra_circuit_state", { service: "recommendations", state: "closed" })).toBe(0)
      expect(sampleOf(series, "orchestra_circuit_consecutive_failures", { service: "recommendations" })).toBeGreaterThanOrEqual(5)

      expect(sampleOf(series, "orchestra_cache_lookups_total", { result: "hit" })).toBe(1)
      expect(sampleOf(series, "orchestra_cache_hit_ratio", {})).toBe(1)

      expect(sampleOf(series, "orchestra_checkouts_total", { phase: "place_order", outcome: "CONFIRMED" })).toBe(1)
      expect(sampleOf(series, "orchestra_checkouts_total", { phase: "place_order", outcome: "CART_CHANGED" })).toBe(1)
    }).pipe(Effect.provide(orchestraTestServer({ ORCHESTRA_SANDBOX_FAULTS: "recommendations.*=error:503" })))
  )
})

describe("JSON logs", () => {
  it.live("every line of a request carries its request id and trace id; a caller's traceparent is continued", () => {
    const logs = makeLogCapture()
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    return Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", {
        headers: { ...shopper(), traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`, "x-request-id": "req-obs-1" },
        body: { operations: [{ op: "ADD", product_id: "prod_screen", quantity: 1 }] }
      }).pipe(
        // The test's own client would otherwise replace our traceparent with its span's.
        Effect.provideService(HttpClient.TracerPropagationEnabled, false)
      )
      expect(answer.status).toBe(200)
      const own = logs.lines().filter((line) => line.annotations.request_id === "req-obs-1")
      expect(own.map((line) => line.message)).toContain("request")
      for (const line of own) {
        expect(line.annotations.trace_id).toBe(callerTrace)
        expect(line.annotations.span_id).toMatch(/^[0-9a-f]{16}$/)
      }
      // Without a traceparent the request starts its own trace.
      yield* send("GET", "/health", { headers: { "x-request-id": "req-obs-2" } })
      const health = logs.lines().find((line) => line.annotations.request_id === "req-obs-2")
      expect(health?.annotations.trace_id).toMatch(/^[0-9a-f]{32}$/)
      expect(health?.annotations.trace_id).not.toBe(callerTrace)
    }).pipe(Effect.provide(orchestraTestServer({}, logs)))
  })
})

interface CollectedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly attributes: Readonly<Record<string, unknown>>
}

const AnyValue = Schema.Record(Schema.String, Schema.Unknown)
const OtlpTraces = Schema.Struct({
  resourceSpans: Schema.Array(
    Schema.Struct({
      resource: Schema.Struct({ attributes: Schema.Array(Schema.Struct({ key: Schema.String, value: AnyValue })) }),
      scopeSpans: Schema.Array(
        Schema.Struct({
          spans: Schema.Array(
            Schema.Struct({
              name: Schema.String,
              traceId: Schema.String,
              spanId: Schema.String,
              parentSpanId: Schema.optional(Schema.String),
              attributes: Schema.Array(Schema.Struct({ key: Schema.String, value: AnyValue }))
            })
          )
        })
      )
    })
  )
})

const spansOf = (body: string): { readonly services: ReadonlyArray<unknown>; readonly spans: ReadonlyArray<CollectedSpan> } => {
  const traces = Schema.decodeUnknownSync(Schema.fromJsonString(OtlpTraces))(body)
  return {
    services: traces.resourceSpans.flatMap((r) => r.resource.attributes.filter((a) => a.key === "service.name").map((a) => Object.values(a.value)[0])),
    spans: traces.resourceSpans.flatMap((resource) =>
      resource.scopeSpans.flatMap((scope) =>
        scope.spans.map((span) => ({
          name: span.name,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId,
          // OTLP JSON wraps each value by type (`{ stringValue }`, `{ intValue }`, ...).
          attributes: Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]))
        }))
      )
    )
  }
}

/** A tiny OTLP/HTTP collector on a loopback port: keeps every span posted to /v1/traces. */
const collector: Effect.Effect<
  { readonly url: string; readonly spans: () => ReadonlyArray<CollectedSpan>; readonly services: () => ReadonlyArray<unknown> },
  never,
  Scope.Scope
> = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ server: Server; url: string; spans: Array<CollectedSpan>; services: Array<unknown> }>((resolve) => {
        const spans: Array<CollectedSpan> = []
        const services: Array<unknown> = []
        const server = createServer((request, response) => {
          let body = ""
          request.on("data", (chunk) => {
            body += String(chunk)
          })
          request.on("end", () => {
            if (request.url === "/v1/traces") {
              const received = spansOf(body)
              spans.push(...received.spans)
              services.push(...received.services)
            }
            response.writeHead(200, { "content-type": "application/json" }).end("{}")
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resolve({ server, url: `http://127.0.0.1:${port}`, spans, services })
        })
      })
  ),
  ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
).pipe(Effect.map(({ url, spans, services }) => ({ url, spans: () => spans, services: () => services })))

/** A checkout journey: add, pick the pickup hub, place the order cash on delivery. */
const journey = Effect.gen(function* () {
  const headers = shopper()
  const ready = yield* readyCart(headers)
  const placed = yield* send("POST", "/cart/place-order", {
    headers: { ...headers, "idempotency-key": crypto.randomUUID() },
    body: codOrder(netPayableOf(ready))
  })
  expect(placed.status).toBe(200)
})

describe("tracing over OTLP", () => {
  it.live("with OTEL_EXPORTER_OTLP_ENDPOINT set, a collector receives spans named after flows and steps", () =>
    Effect.gen(function* () {
      const otlp = yield* collector
      // The scope closes after the journey: the exporter flushes what it still holds.
      yield* journey.pipe(Effect.provide(orchestraTestServer({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })))
      const spans = otlp.spans()
      const named = (name: string) => spans.filter((span) => span.name === name)
      expect(otlp.services()).toContain("orchestra")

      const [itemsFlow] = named("flow.itemsFull")
      expect(itemsFlow?.attributes).toMatchObject({ "orchestra.flow": "itemsFull", "orchestra.outcome": "ok" })
      const [findOrCreate] = named("cart.findOrCreate")
      // A step is a child of its flow, which is a child of the request's server span.
      expect(findOrCreate?.parentSpanId).toBe(itemsFlow?.spanId)
      expect(findOrCreate?.attributes).toMatchObject({ service: "cart", attempts: 1, outcome: "ok" })
      const [server] = named("POST /cart/items")
      expect(itemsFlow?.parentSpanId).toBe(server?.spanId)
      expect(new Set([server?.traceId, itemsFlow?.traceId, findOrCreate?.traceId]).size).toBe(1)

      const [placeFlow] = named("flow.placeOrder")
      expect(placeFlow).toBeDefined()
      for (const step of ["inventory.reserve", "order.createMaster", "payment.initiate", "inventory.deduct"]) {
        expect(named(step).map((span) => span.traceId), step).toContain(placeFlow?.traceId)
      }
    })
  )

  it.live("OTEL_TRACES_EXPORTER=none keeps export off even with an endpoint", () =>
    Effect.gen(function* () {
      const otlp = yield* collector
      yield* journey.pipe(
        Effect.provide(orchestraTestServer({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_TRACES_EXPORTER: "none" }))
      )
      expect(otlp.spans()).toEqual([])
    })
  )
})
