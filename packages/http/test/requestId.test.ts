import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeLogCapture } from "./support/logs.ts"
import { customer, send, testServer } from "./support/server.ts"
import { FlowCalls } from "./support/TestFlows.ts"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe("request id", () => {
  it.live("a sane x-request-id is echoed and handed to the flow", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/cart", { headers: { ...customer, "x-request-id": "gw-123:abc" } })
      expect(answer.headers["x-request-id"]).toBe("gw-123:abc")
      const [call] = yield* (yield* FlowCalls).all
      expect(call?.requestId).toBe("gw-123:abc")
    }).pipe(Effect.provide(testServer()))
  )

  it.live("a missing or unusable x-request-id is replaced by a generated one", () =>
    Effect.gen(function* () {
      const missing = yield* send("GET", "/cart", { headers: customer })
      expect(missing.headers["x-request-id"]).toMatch(uuid)
      const tooLong = yield* send("GET", "/cart", { headers: { ...customer, "x-request-id": "r".repeat(129) } })
      expect(tooLong.headers["x-request-id"]).toMatch(uuid)
      const spaced = yield* send("GET", "/cart", { headers: { ...customer, "x-request-id": "two words" } })
      expect(spaced.headers["x-request-id"]).toMatch(uuid)
      const calls = yield* (yield* FlowCalls).all
      expect(calls.map((call) => call.requestId)).toEqual([
        missing.headers["x-request-id"],
        tooLong.headers["x-request-id"],
        spaced.headers["x-request-id"]
      ])
    }).pipe(Effect.provide(testServer()))
  )

  it.live("every answer carries it: errors, ops, the OpenAPI document", () =>
    Effect.gen(function* () {
      const unauthenticated = yield* send("GET", "/cart", { headers: { "x-request-id": "r-401" } })
      expect(unauthenticated.headers["x-request-id"]).toBe("r-401")
      expect(unauthenticated.json).toMatchObject({ request_id: "r-401" })
      const invalid = yield* send("POST", "/cart/items", { headers: customer, body: {} })
      expect(invalid.json).toMatchObject({ request_id: invalid.headers["x-request-id"] })
      for (const path of ["/health", "/ready", "/openapi.json", "/docs", "/nowhere"]) {
        const answer = yield* send("GET", path, { headers: { "x-request-id": `r-${path}` } })
        expect(answer.headers["x-request-id"]).toBe(`r-${path}`)
      }
    }).pipe(Effect.provide(testServer()))
  )

  it.live("the Idempotency-Key of a request is in its RequestContext", () =>
    Effect.gen(function* () {
      yield* send("DELETE", "/cart", { headers: { ...customer, "idempotency-key": "key-ctx" } })
      yield* send("DELETE", "/cart", { headers: customer })
      const calls = yield* (yield* FlowCalls).all
      expect(calls.map((call) => call.idempotencyKey)).toEqual(["key-ctx", undefined])
    }).pipe(Effect.provide(testServer()))
  )

  it.live("one access log line per request, with the request id, method, path, status and duration", () => {
    const logs = makeLogCapture()
    return Effect.gen(function* () {
      yield* send("GET", "/cart?compute=false", { headers: { ...customer, "x-request-id": "r-log" } })
      yield* send("GET", "/missing", { headers: { "x-request-id": "r-log-404" } })
      const access = logs.lines().filter((line) => line.message === "request")
      expect(access).toHaveLength(2)
      expect(access[0]?.annotations).toMatchObject({ request_id: "r-log", method: "GET", path: "/cart", status: 200 })
      expect(access[0]?.annotations.duration_ms).toBeTypeOf("number")
      expect(access[1]?.annotations).toMatchObject({ request_id: "r-log-404", path: "/missing", status: 404 })
    }).pipe(Effect.provide(testServer({ logs })))
  })
})
