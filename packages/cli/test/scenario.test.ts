import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { REPO_ROOT, runCli, scratchDir } from "./support/runCli.ts"

const SCENARIOS = join(REPO_ROOT, "packages/testkit/scenarios")

describe("orchestra scenario (as a process)", () => {
  it.live(
    "the repository's scenarios pass against the in-process sandbox (CI runs them here)",
    () =>
      Effect.gen(function* () {
        const run = yield* runCli(["scenario", SCENARIOS])
        assert.strictEqual(run.code, 0, run.stdout + run.stderr)
        assert.match(run.stdout, /(\d+) of \1 scenarios passed/)
        assert.notInclude(run.stdout, "FAIL")
        assert.match(run.stdout, /ok +4 +POST \/cart\/place-order +200 .* place the order, cash on delivery/)
      }),
    { timeout: 120_000 }
  )

  it.live(
    "a failed expectation names the step, the JSON path and both values; exit 1",
    () =>
      Effect.gen(function* () {
        const dir = scratchDir()
        const file = join(dir, "failing.yaml")
        writeFileSync(
          file,
          [
            "name: expectations that do not hold",
            "identity: { domain_id: dom_demo, session_id: sess_scenario_test }",
            "steps:",
            "  - name: add a mug",
            "    request:",
            "      method: POST",
            "      path: /cart/items",
            "      body: { operations: [{ op: ADD, product_id: prod_mug, quantity: 1 }] }",
            "    expect:",
            "      status: 200",
            "      json:",
            "        $.cart.items[0].quantity: 3",
            "        $.cart.items: { $length: 1 }",
            "        $.cart.nothing_here: { $exists: true }",
            "    save: { cart: $.cart.cart_id }",
            "  - name: a wrong status",
            `    request: { method: PUT, path: /cart, body: { pickup_point: { pickup_point_id: '\${cart}' } } }`,
            "    expect: { status: 201 }"
          ].join("\n")
        )
        const run = yield* runCli(["scenario", file])
        assert.strictEqual(run.code, 1)
        assert.include(run.stdout, "$.cart.items[0].quantity: expected 3, got 1")
        assert.include(run.stdout, "$.cart.nothing_here: expected a value, found nothing")
        assert.notInclude(run.stdout, "$.cart.items: expected")
        assert.include(run.stdout, "status: expected 201, got 200")
        assert.include(run.stdout, "2 steps: 0 passed, 2 failed")
        assert.include(run.stderr, "1 scenario failed (2 steps)")
      }),
    { timeout: 60_000 }
  )

  it.live(
    "an invalid scenario file is bad input: exit 2",
    () =>
      Effect.gen(function* () {
        const dir = scratchDir()
        const file = join(dir, "invalid.json")
        writeFileSync(file, JSON.stringify({ name: "no steps", identity: { domain_id: "d" }, steps: [], extra: 1 }))
        const run = yield* runCli(["scenario", file])
        assert.strictEqual(run.code, 2)
        assert.include(run.stderr, "is not a valid scenario")
        const missing = yield* runCli(["scenario", join(dir, "nope.yaml")])
        assert.strictEqual(missing.code, 2)
      }),
    { timeout: 60_000 }
  )
})
