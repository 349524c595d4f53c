import { assert, describe, it } from "@effect/vitest"
import type { Interaction } from "../../src/replay/Fixture.ts"
import { closestInteraction, explainDifference, firstDifference, matches } from "../../src/replay/InteractionMatch.ts"

const interaction = (over: Partial<Interaction>): Interaction => ({
  service: "cart",
  endpoint: "compute",
  method: "POST",
  path: "/api/carts/cart_1/compute",
  request_body: { products: [{ id: "a" }] },
  status: 200,
  response_body: {},
  latency_ms: 1,
  ...over
})

describe("interaction matching", () => {
  it("bodies are compared as JSON: key order does not matter, values do", () => {
    assert.isUndefined(firstDifference({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }))
    assert.deepStrictEqual(firstDifference({ a: [1, 2] }, { a: [1, 3] }), { path: "$.a[1]", sent: 2, recorded: 3 })
    assert.deepStrictEqual(firstDifference({ a: 1 }, { a: 1, b: true }), { path: "$.b", sent: undefined, recorded: true })
  })

  it("a call matches on service, method, path and body", () => {
    const call = { service: "cart", endpoint: "compute", method: "POST", path: "/api/carts/cart_1/compute", body: { products: [{ id: "a" }] } }
    assert.isTrue(matches(call, interaction({})))
    assert.isFalse(matches(call, interaction({ path: "/api/carts/cart_2/compute" })))
    assert.isFalse(matches({ ...call, body: { products: [] } }, interaction({})))
  })

  it("the closest recorded interaction is the same endpoint first, then the likest body", () => {
    const call = { service: "cart", endpoint: "compute", method: "POST", path: "/api/carts/cart_1/compute", body: { products: [{ id: "b" }] } }
    const recorded = [
      interaction({ service: "inventory", endpoint: "checkAvailability", path: "/api/inventory/check-availability" }),
      interaction({ path: "/api/carts/cart_9/compute", request_body: {} }),
      interaction({})
    ]
    const closest = closestInteraction(call, recorded)
    assert.strictEqual(closest, recorded[2])
    assert.strictEqual(explainDifference(call, recorded[2]!), 'body differs at $.products[0].id: sent "b", recorded "a"')
    assert.strictEqual(explainDifference(call, recorded[1]!), "path /api/carts/cart_1/compute was sent, /api/carts/cart_9/compute was recorded")
  })
})
