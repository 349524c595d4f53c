import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpServer } from "effect/http"
import { urlEnvOf } from "@orchestra/core/services/Downstream"
import { downstreamServices } from "@orchestra/core/services/index"
import { FaultInjector } from "@orchestra/testkit/faults/FaultInjector"
import { decodeFixture } from "@orchestra/testkit/replay/Fixture"
import { Sandbox } from "@orchestra/testkit/sandbox/Sandbox"
import { SandboxServer } from "@orchestra/testkit/sandbox/SandboxServer"
import { PROCESS_TIMEOUT, runCli, scratchDir } from "./support/runCli.ts"

const readFixture = (path: string) => Effect.runSync(decodeFixture(readFileSync(path, "utf8")))
const ResponseCart = Schema.fromJsonString(Schema.Struct({ response: Schema.Struct({ cart: Schema.Struct({ items: Schema.Array(Schema.Unknown) }) }) }))

const addCase = JSON.stringify({ operations: [{ op: "ADD", product_id: "prod_case", quantity: 1 }] })

/** "Live" services for the child process: the sandbox served on a loopback port by this test. */
const LiveServices = SandboxServer(0).pipe(Layer.provideMerge(Layer.merge(Sandbox.layer, FaultInjector.layer)))

const baseUrl = HttpServer.HttpServer.useSync(
  (server) => `http://127.0.0.1:${server.address._tag === "UnixPathAddress" ? 0 : server.address.port}`
)

layer(LiveServices, { excludeTestServices: true })("orchestra record (as a process)", (it) => {
  it.effect("records against live services at *_SERVICE_URL, and the fixture replays to the same answer", () =>
    Effect.gen(function* () {
      const url = yield* baseUrl
      const dir = scratchDir()
      const out = join(dir, "live-items.json")
      const env = Object.fromEntries(downstreamServices.map((service) => [urlEnvOf(service), url]))
      const run = yield* runCli(["record", "items-full", "--customer", "cust_rec_1", "--body", addCase, "--out", out], env)
      assert.strictEqual(run.code, 0, run.stderr)
      assert.include(run.stdout, `recorded items-full: 8 interactions → ${out}`)
      assert.match(run.stdout, /cart\.findOrCreate +POST +200 /)
      const fixture = readFixture(out)
      assert.deepStrictEqual(fixture.request.identity, { domain_id: "dom_demo", customer_id: "cust_rec_1" })
      assert.isTrue(fixture.interactions.every((i) => i.latency_ms > 0 && i.status === 200))

      const check = yield* runCli(["fixtures", "check", out])
      assert.strictEqual(check.code, 0, check.stdout)
      const replay = yield* runCli(["simulate", "items-full", "--fixture", out, "--format", "json"])
      assert.strictEqual(replay.code, 0, replay.stderr)
      assert.strictEqual(Schema.decodeUnknownSync(ResponseCart)(replay.stdout).response.cart.items.length, 1)
    }),
    PROCESS_TIMEOUT
  )

  it.effect("--service-url and --setup: the cart is brought into shape unrecorded, then the flow is recorded", () =>
    Effect.gen(function* () {
      const url = yield* baseUrl
      const out = join(scratchDir(), "get-cart.json")
      const run = yield* runCli([
        "record",
        "get-cart",
        "--service-url",
        url,
        "--session",
        "sess_rec_2",
        "--setup",
        `items-full=${addCase}`,
        "--description",
        "a guest's cart",
        "--out",
        out
      ])
      assert.strictEqual(run.code, 0, run.stderr)
      const fixture = readFixture(out)
      assert.strictEqual(fixture.description, "a guest's cart")
      assert.deepStrictEqual(fixture.interactions[0]?.request_body, { domain_id: "dom_demo", session_id: "sess_rec_2", cart_type: "DEFAULT" })
      assert.notInclude(
        fixture.interactions.map((i) => i.endpoint),
        "findOrCreate"
      )
    }),
    PROCESS_TIMEOUT
  )

  it.effect("--sandbox records against the simulators in the CLI's own process", () =>
    Effect.gen(function* () {
      const out = join(scratchDir(), "sandbox.json")
      const run = yield* runCli([
        "record",
        "items-full",
        "--sandbox",
        "--sandbox-faults",
        "inventory.checkAvailability=error:503",
        "--customer",
        "cust_rec_3",
        "--body",
        addCase,
        "--out",
        out
      ])
      assert.strictEqual(run.code, 0, run.stderr)
      // A critical step answering 503 three times: recorded as it happened.
      assert.deepStrictEqual(
        readFixture(out).interactions.filter((i) => i.endpoint === "checkAvailability").map((i) => i.status),
        [503, 503, 503]
      )
      const replay = yield* runCli(["simulate", "items-full", "--fixture", out])
      assert.strictEqual(replay.code, 1)
      assert.include(replay.stdout, "503×3")
    }),
    PROCESS_TIMEOUT
  )

  it.effect("without URLs, or with a bad flag, recording is bad usage: exit 2", () =>
    Effect.gen(function* () {
      const out = join(scratchDir(), "never.json")
      const noUrls = yield* runCli(["record", "get-cart", "--customer", "c", "--out", out])
      assert.strictEqual(noUrls.code, 2)
      assert.include(noUrls.stderr, "no URL for CART_SERVICE_URL")
      const badSetup = yield* runCli(["record", "get-cart", "--sandbox", "--customer", "c", "--setup", "nope", "--out", out])
      assert.strictEqual(badSetup.code, 2)
      assert.include(badSetup.stderr, "--setup nope: unknown flow nope")
      const noBody = yield* runCli(["record", "items-full", "--sandbox", "--customer", "c", "--out", out])
      assert.strictEqual(noBody.code, 2)
      assert.include(noBody.stderr, "items-full needs a body")
    }),
    PROCESS_TIMEOUT
  )
})
