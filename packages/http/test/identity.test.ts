import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { signGatewayRequest } from "../src/middleware/GatewaySignature.ts"
import { customer, send, testServer } from "./support/server.ts"
import { FlowCalls } from "./support/TestFlows.ts"

const SECRET = "gateway-test-secret"
const signedServer = () => testServer({ env: { ORCHESTRA_GATEWAY_SECRET: SECRET } })
const items = { operations: [{ op: "ADD", product_id: "prod-1", quantity: 1 }] }

const nowSeconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

const expectUnauthenticated = (answer: { readonly status: number; readonly json: unknown }, mentions: string) => {
  expect(answer.status).toBe(401)
  expect(answer.json).toMatchObject({ success: false, error: { code: "UNAUTHENTICATED" } })
  expect(JSON.stringify(answer.json)).toContain(mentions)
}

const noFlowRan = Effect.gen(function* () {
  expect((yield* (yield* FlowCalls).all).length).toBe(0)
})

describe("identity headers", () => {
  it.live("x-domain-id is required", () =>
    Effect.gen(function* () {
      expectUnauthenticated(yield* send("GET", "/cart", { headers: { "x-customer-id": "cust-1" } }), "x-domain-id")
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )

  it.live("one of x-customer-id / x-session-id is required", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: { "x-domain-id": "dom-1" }, body: items })
      expectUnauthenticated(answer, "x-customer-id or x-session-id")
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )

  it.live("ids longer than 128 characters or with odd characters are refused, naming the header", () =>
    Effect.gen(function* () {
      expectUnauthenticated(
        yield* send("GET", "/cart", { headers: { ...customer, "x-customer-id": "c".repeat(129) } }),
        "x-customer-id"
      )
      expectUnauthenticated(yield* send("GET", "/cart", { headers: { ...customer, "x-domain-id": "dom 1" } }), "x-domain-id")
      expectUnauthenticated(
        yield* send("GET", "/cart", { headers: { ...customer, "x-session-id": "s".repeat(129) } }),
        "x-session-id"
      )
      yield* noFlowRan
    }).pipe(Effect.provide(testServer()))
  )

  it.live("the identity check comes before the body check", () =>
    Effect.gen(function* () {
      const answer = yield* send("POST", "/cart/items", { headers: { "x-domain-id": "dom-1" }, body: { bogus: true } })
      expect(answer.status).toBe(401)
    }).pipe(Effect.provide(testServer()))
  )
})

describe("gateway signature (ORCHESTRA_GATEWAY_SECRET set)", () => {
  const signed = (timestamp: number, path = "/cart/items", method = "POST", identity: Record<string, string> = customer) => ({
    ...identity,
    ...signGatewayRequest(SECRET, {
      timestamp,
      method,
      path,
      domainId: identity["x-domain-id"] ?? "",
      customerId: identity["x-customer-id"],
      sessionId: identity["x-session-id"]
    })
  })

  it.live("a good signature is accepted; the query string is not signed", () =>
    Effect.gen(function* () {
      const now = yield* nowSeconds
      const answer = yield* send("POST", "/cart/items?compute=false", { headers: signed(now), body: items })
      expect(answer.status).toBe(200)
      const both = { ...customer, "x-session-id": "sess-1" }
      const get = yield* send("GET", "/cart?cart_type=BUY_NOW", { headers: signed(now, "/cart", "GET", both) })
      expect(get.status).toBe(200)
    }).pipe(Effect.provide(signedServer()))
  )

  it.live("timestamps up to 300 s either side are accepted", () =>
    Effect.gen(function* () {
      const now = yield* nowSeconds
      expect((yield* send("POST", "/cart/items", { headers: signed(now - 295), body: items })).status).toBe(200)
      expect((yield* send("POST", "/cart/items", { headers: signed(now + 295), body: items })).status).toBe(200)
    }).pipe(Effect.provide(signedServer()))
  )

  it.live("a stale or future timestamp is refused", () =>
    Effect.gen(function* () {
      const now = yield* nowSeconds
      // 100 s beyond the 300 s window: the server reads its clock later than this test did (a second
      // or more on a loaded machine), so a timestamp just past the window could fall back inside it.
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: signed(now - 400), body: items }), "x-gateway-timestamp")
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: signed(now + 400), body: items }), "x-gateway-timestamp")
      yield* noFlowRan
    }).pipe(Effect.provide(signedServer()))
  )

  it.live("a bad or missing signature is refused", () =>
    Effect.gen(function* () {
      const now = yield* nowSeconds
      const forged = { ...signed(now), "x-gateway-signature": `v1=${"0".repeat(64)}` }
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: forged, body: items }), "x-gateway-signature")
      // Signed for another path, method or owner: the signature no longer matches.
      const otherPath = signed(now, "/buy-now")
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: otherPath, body: items }), "x-gateway-signature")
      const otherMethod = signed(now, "/cart", "DELETE")
      expectUnauthenticated(yield* send("GET", "/cart", { headers: otherMethod }), "x-gateway-signature")
      const otherOwner = { ...signed(now), "x-customer-id": "cust-2" }
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: otherOwner, body: items }), "x-gateway-signature")
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: customer, body: items }), "x-gateway-timestamp")
      const { "x-gateway-signature": _, ...unsigned } = signed(now)
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: unsigned, body: items }), "x-gateway-signature")
      const garbled = { ...signed(now), "x-gateway-timestamp": "soon" }
      expectUnauthenticated(yield* send("POST", "/cart/items", { headers: garbled, body: items }), "x-gateway-timestamp")
      yield* noFlowRan
    }).pipe(Effect.provide(signedServer()))
  )

  it.live("ops endpoints need no identity", () =>
    Effect.gen(function* () {
      expect((yield* send("GET", "/health")).status).toBe(200)
      expect((yield* send("GET", "/ready")).status).toBe(200)
    }).pipe(Effect.provide(signedServer()))
  )
})
