import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Warning } from "@orchestra/core/flows/responses"
import { StepRecord } from "@orchestra/core/runtime/RequestContext"
import type { Fixture } from "@orchestra/testkit/replay/Fixture"
import { FIXTURES, PROCESS_TIMEOUT, runCli, scratchDir, shippedFixture, writeFixture } from "./support/runCli.ts"

const SimulateJson = Schema.fromJsonString(
  Schema.Struct({
    status: Schema.Int,
    response: Schema.Unknown,
    trace: Schema.Array(StepRecord),
    warnings: Schema.Array(Warning),
    calls: Schema.Array(Schema.Struct({ step: Schema.String, answer: Schema.Union([Schema.Int, Schema.Literal("timeout")]), source: Schema.String }))
  })
)
const parseJson = Schema.decodeUnknownSync(SimulateJson)
const ErrorBody = Schema.Struct({ success: Schema.Literal(false), error: Schema.Struct({ code: Schema.String, message: Schema.String }) })
const errorOf = (response: unknown) => Schema.decodeUnknownSync(ErrorBody)(response).error

const itemsFull = shippedFixture("items-full.json")
const dir = scratchDir()

/** Fixed latencies per step: the golden timeline then depends on nothing this machine does. */
const LATENCY: Record<string, number> = {
  "cart.findOrCreate": 30,
  "product.search": 20,
  "inventory.checkAvailability": 45,
  "sellerAdmin.storeStatus": 25,
  "sellerAdmin.taxSettings": 35,
  "marketing.promotionsApplicable": 15,
  "cart.applyBatch": 20,
  "cart.compute": 25
}
const fixedLatencies: Fixture = {
  ...itemsFull,
  recorded_at: "2026-01-15T10:00:00.000Z",
  interactions: itemsFull.interactions.map((i) => ({ ...i, latency_ms: LATENCY[`${i.service}.${i.endpoint}`] ?? 10 }))
}
const fixedPath = writeFixture(dir, "items-full-fixed.json", fixedLatencies)

const GOLDEN = fileURLToPath(new URL("./golden/simulate-items-full.txt", import.meta.url))

describe("orchestra simulate (as a process)", () => {
  it.live("golden: the pretty timeline of items-full at fixed latencies", () =>
    Effect.gen(function* () {
      const run = yield* runCli(["simulate", "items-full", "--fixture", fixedPath])
      assert.strictEqual(run.code, 0, run.stderr)
      const [timeline, response] = run.stdout.split("Response: 200\n")
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, timeline ?? "")
      assert.strictEqual(timeline, readFileSync(GOLDEN, "utf8"))
      // The response carries the cart the (recorded) cart service computed, as the gateway would get it.
      const compute = itemsFull.interactions.find((i) => i.endpoint === "compute")
      const body = Schema.decodeUnknownSync(Schema.fromJsonString(Schema.Struct({ cart: Schema.Unknown })))(response ?? "")
      assert.deepStrictEqual(body.cart, compute?.response_body)
    }),
    PROCESS_TIMEOUT
  )

  it.live("json: { status, response, trace, warnings }; parallel steps overlap at the recorded latencies", () =>
    Effect.gen(function* () {
      const run = yield* runCli(["simulate", "items-full", "--fixture", fixedPath, "--format", "json"])
      assert.strictEqual(run.code, 0, run.stderr)
      const out = parseJson(run.stdout)
      assert.strictEqual(out.status, 200)
      assert.deepStrictEqual(out.warnings, [])
      const step = (name: string) => out.trace.find((r) => r.step === name)
      assert.deepInclude(step("cart.findOrCreate"), { start_ms: 0, duration_ms: 30, outcome: "ok" })
      assert.deepInclude(step("product.search"), { start_ms: 30, duration_ms: 20 })
      assert.deepInclude(step("inventory.checkAvailability"), { start_ms: 30, duration_ms: 45 })
      assert.deepInclude(step("sellerAdmin.taxSettings"), { start_ms: 50, duration_ms: 35 })
      assert.deepInclude(step("marketing.promotionsApplicable"), { start_ms: 85 })
    }),
    PROCESS_TIMEOUT
  )

  it.live("--fast ignores the recorded latencies", () =>
    Effect.gen(function* () {
      const run = yield* runCli(["simulate", "items-full", "--fixture", fixedPath, "--format", "json", "--fast"])
      assert.strictEqual(run.code, 0, run.stderr)
      assert.isTrue(parseJson(run.stdout).trace.every((r) => r.start_ms === 0 && r.duration_ms === 0))
    }),
    PROCESS_TIMEOUT
  )

  it.live("--what-if on an optional step: the flow goes on with a warning, exit 0", () =>
    Effect.gen(function* () {
      const run = yield* runCli([
        "simulate",
        "items-full",
        "--fixture",
        fixedPath,
        "--what-if",
        "marketing.promotionsApplicable=error:503",
        "--format",
        "json"
      ])
      assert.strictEqual(run.code, 0, run.stderr)
      const out = parseJson(run.stdout)
      assert.deepStrictEqual(out.warnings.map((w) => [w.code, w.service]), [["PROMOTIONS_UNAVAILABLE", "marketing"]])
      assert.deepInclude(out.trace.find((r) => r.step === "marketing.promotionsApplicable"), { outcome: "degraded", attempts: 3 })
      // Without promotions the compute call differs from the recorded one; it is answered, and marked.
      assert.deepInclude(out.calls.find((c) => c.step === "cart.compute"), { source: "approximate" })
    }),
    PROCESS_TIMEOUT
  )

  it.live("--what-if on a critical step: the flow fails as the gateway would see it, exit 1", () =>
    Effect.gen(function* () {
      const run = yield* runCli(["simulate", "items-full", "--fixture", fixedPath, "--what-if", "cart.compute=error:503", "--format", "json"])
      assert.strictEqual(run.code, 1)
      const out = parseJson(run.stdout)
      assert.strictEqual(out.status, 503)
      assert.deepInclude(errorOf(out.response), { code: "DOWNSTREAM_UNAVAILABLE" })
      assert.include(run.stderr, "items-full failed: HTTP 503 DOWNSTREAM_UNAVAILABLE")
    }),
    PROCESS_TIMEOUT
  )

  it.live("--what-if latency and timeout show on the pretty timeline", () =>
    Effect.gen(function* () {
      const run = yield* runCli([
        "simulate",
        "items-full",
        "--fixture",
        fixedPath,
        "--what-if",
        "inventory.checkAvailability=timeout"
      ])
      assert.strictEqual(run.code, 1)
      assert.match(run.stdout, /inventory\.checkAvailability +░+ +3\d{3}\.\d ms +3 +timeout×3 what-if +FAILED/)
      assert.include(run.stdout, "Response: 504 (the flow failed)")
    }),
    PROCESS_TIMEOUT
  )

  it.live("a fixture without the interaction a call needs: exit 2, naming the call and the closest recorded one", () =>
    Effect.gen(function* () {
      const broken = writeFixture(dir, "no-compute.json", {
        ...itemsFull,
        interactions: itemsFull.interactions.filter((i) => i.endpoint !== "compute")
      })
      const run = yield* runCli(["simulate", "items-full", "--fixture", broken])
      assert.strictEqual(run.code, 2)
      assert.include(run.stderr, "The fixture has no interaction for cart.compute (POST /api/carts/cart_1/compute)")
      assert.include(run.stderr, "Closest recorded: cart.applyBatch")

      const other = yield* runCli(["simulate", "items-full", "--fixture", fixedPath, "--customer", "cust_2"])
      assert.strictEqual(other.code, 2)
      assert.include(other.stderr, 'body differs at $.customer_id: sent "cust_2", recorded "cust_1"')
    }),
    PROCESS_TIMEOUT
  )

  it.live("bad usage and bad fixtures exit 2", () =>
    Effect.gen(function* () {
      const notJson = join(dir, "not-json.json")
      writeFileSync(notJson, "{ nope")
      const wrongShape = join(dir, "wrong-shape.json")
      writeFileSync(wrongShape, JSON.stringify({ ...itemsFull, interactions: [{ service: "cart" }] }))
      const runs = yield* Effect.all(
        [
          runCli(["simulate", "items-full", "--fixture", notJson]),
          runCli(["simulate", "items-full", "--fixture", wrongShape]),
          runCli(["simulate", "items-full", "--fixture", join(dir, "missing.json")]),
          runCli(["simulate", "no-such-flow", "--fixture", fixedPath]),
          runCli(["simulate", "items-full", "--fixture", fixedPath, "--what-if", "inventory.checkAvailabilty=timeout"]),
          runCli(["simulate", "items-full", "--fixture", fixedPath, "--what-if", "inventory.checkAvailability=explode"]),
          runCli(["simulate", "items-full", "--fixture", fixedPath, "--format", "xml"]),
          runCli(["simulate", "items-full", "--fixture", fixedPath, "--body", "{ not json"]),
          runCli(["simulate", "items-full", "--fixture", fixedPath, "--body", '{"operations":[{"op":"ADD"}]}'])
        ],
        { concurrency: 3 }
      )
      assert.deepStrictEqual(
        runs.map((r) => r.code),
        runs.map(() => 2)
      )
      assert.include(runs[1]?.stderr, "is not a valid fixture")
      assert.include(runs[4]?.stderr, "inventory.checkAvailabilty: no such downstream call")
      assert.include(runs[8]?.stderr, "body:")
    }),
    PROCESS_TIMEOUT
  )

  it.live("the incidents replay to what the customer met", () =>
    Effect.gen(function* () {
      const simulateJson = (flow: string, file: string) => runCli(["simulate", flow, "--fixture", join(FIXTURES, file), "--format", "json"])
      const [coupon, price, inventory, store] = yield* Effect.all(
        [
          simulateJson("place-order", "incident-coupon-expired.json"),
          simulateJson("place-order", "incident-price-changed.json"),
          simulateJson("items-full", "incident-inventory-timeout.json"),
          simulateJson("get-cart", "incident-store-offline.json")
        ],
        { concurrency: 2 }
      )
      assert.deepStrictEqual([coupon?.code, price?.code, inventory?.code, store?.code], [1, 1, 1, 0])
      assert.deepInclude(errorOf(parseJson(coupon?.stdout ?? "").response), { code: "COUPON_INVALID" })
      assert.deepInclude(errorOf(parseJson(price?.stdout ?? "").response), { code: "PRICE_CHANGED" })
      const timedOut = parseJson(inventory?.stdout ?? "")
      assert.strictEqual(timedOut.status, 504)
      assert.deepInclude(timedOut.trace.find((r) => r.step === "inventory.checkAvailability"), { attempts: 3, outcome: "failed" })
      assert.include(
        parseJson(store?.stdout ?? "").warnings.map((w) => w.code),
        "STORE_OFFLINE"
      )
    }),
    PROCESS_TIMEOUT
  )
})
