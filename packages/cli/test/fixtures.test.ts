import { readdirSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { FIXTURES, PROCESS_TIMEOUT, runCli, scratchDir, shippedFixture, writeFixture } from "./support/runCli.ts"

const shipped = readdirSync(FIXTURES).filter((name) => name.endsWith(".json"))

describe("orchestra fixtures check (as a process)", () => {
  it("ships one fixture per flow and the four incidents", () => {
    assert.includeMembers(shipped, [
      "items-full.json",
      "items-lite.json",
      "update-options.json",
      "get-cart.json",
      "get-cart-cached.json",
      "delete-cart.json",
      "buy-now.json",
      "place-order.json",
      "suggestions.json",
      "incident-coupon-expired.json",
      "incident-store-offline.json",
      "incident-inventory-timeout.json",
      "incident-price-changed.json"
    ])
  })

  it.live("every shipped fixture passes: decodes, fits the contracts, replays", () =>
    Effect.gen(function* () {
      const run = yield* runCli(["fixtures", "check", FIXTURES])
      assert.strictEqual(run.code, 0, run.stdout + run.stderr)
      for (const name of shipped) assert.match(run.stdout, new RegExp(`ok +\\S*${name.replace(".", "\\.")}: `))
      assert.include(run.stdout, `${shipped.length} of ${shipped.length} fixtures pass`)
      assert.include(run.stdout, "incident-coupon-expired.json: place-order, 6 interactions, replays to 409 COUPON_INVALID")
    }),
    PROCESS_TIMEOUT
  )

  it.live("a fixture that breaks a contract or cannot answer its flow fails the check, exit 2", () =>
    Effect.gen(function* () {
      const dir = scratchDir()
      const getCart = shippedFixture("get-cart.json")
      writeFixture(dir, "good.json", getCart)
      writeFixture(dir, "bad-body.json", {
        ...getCart,
        interactions: getCart.interactions.map((i) => (i.endpoint === "taxSettings" ? { ...i, response_body: { rate: "high" } } : i))
      })
      writeFixture(dir, "bad-path.json", {
        ...getCart,
        interactions: getCart.interactions.map((i) => (i.endpoint === "find" ? { ...i, path: "/api/carts/lookup" } : i))
      })
      writeFixture(dir, "missing-call.json", { ...getCart, interactions: getCart.interactions.filter((i) => i.endpoint !== "compute") })
      const run = yield* runCli(["fixtures", "check", dir])
      assert.strictEqual(run.code, 2)
      assert.match(run.stdout, /ok +\S*good\.json/)
      assert.match(run.stdout, /FAIL +\S*bad-body\.json\n +interactions\[\d+\] sellerAdmin\.taxSettings: response body \(200\)/)
      assert.include(run.stdout, "cart.find: path /api/carts/lookup does not fit /api/carts/find")
      assert.match(run.stdout, /FAIL +\S*missing-call\.json\n +replay: The fixture has no interaction for cart\.compute/)
      assert.include(run.stdout, "1 of 4 fixtures pass")
      assert.include(run.stderr, "3 fixtures failed the check")
      const single = yield* runCli(["fixtures", "check", join(dir, "good.json")])
      assert.strictEqual(single.code, 0)
    }),
    PROCESS_TIMEOUT
  )
})
