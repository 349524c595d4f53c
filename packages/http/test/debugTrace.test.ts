import { describe, expect, it } from "@effect/vitest"
import { CartNotFound } from "@orchestra/core/domain/Errors"
import { RequestContext, type StepRecord } from "@orchestra/core/runtime/RequestContext"
import { Effect } from "effect"
import { customer, send, testServer } from "./support/server.ts"
import type { FlowBehaviour } from "./support/TestFlows.ts"

const step: StepRecord = {
  step: "cart.findOrCreate",
  service: "cart",
  start_ms: 0,
  duration_ms: 3,
  attempts: 1,
  outcome: "ok",
  critical: true
}

// The flow records one step, as the step runner would, then answers (or fails on DELETE).
const tracing: FlowBehaviour = (call) =>
  Effect.gen(function* () {
    const context = yield* RequestContext
    context.trace.push(step)
    if (call.flow === "deleteCart") return yield* new CartNotFound({ message: "no cart" })
  })

const debugServer = () => testServer({ env: { ORCHESTRA_DEBUG_TRACE: "true" }, behaviour: tracing })
const askForTrace = { ...customer, "x-debug-trace": "1" }

describe("debug trace", () => {
  it.live("with ORCHESTRA_DEBUG_TRACE=true and x-debug-trace: 1, success and error bodies carry the trace", () =>
    Effect.gen(function* () {
      const success = yield* send("GET", "/cart", { headers: askForTrace })
      expect(success.status).toBe(200)
      expect(success.json).toMatchObject({ success: true, trace: [step] })
      const failure = yield* send("DELETE", "/cart", { headers: askForTrace })
      expect(failure.status).toBe(404)
      expect(failure.json).toMatchObject({ success: false, error: { code: "CART_NOT_FOUND" }, trace: [step] })
    }).pipe(Effect.provide(debugServer()))
  )

  it.live("without the header there is no trace", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/cart", { headers: customer })
      expect(answer.json).not.toHaveProperty("trace")
      const other = yield* send("GET", "/cart", { headers: { ...customer, "x-debug-trace": "yes" } })
      expect(other.json).not.toHaveProperty("trace")
    }).pipe(Effect.provide(debugServer()))
  )

  it.live("without the server flag the header is ignored", () =>
    Effect.gen(function* () {
      const answer = yield* send("GET", "/cart", { headers: askForTrace })
      expect(answer.status).toBe(200)
      expect(answer.json).not.toHaveProperty("trace")
    }).pipe(Effect.provide(testServer({ behaviour: tracing })))
  )

  it.live("documents that are not API answers are left alone", () =>
    Effect.gen(function* () {
      const health = yield* send("GET", "/health", { headers: askForTrace })
      expect(health.json).toEqual({ status: "ok" })
      const openapi = yield* send("GET", "/openapi.json", { headers: askForTrace })
      expect(openapi.json).not.toHaveProperty("trace")
    }).pipe(Effect.provide(debugServer()))
  )
})
