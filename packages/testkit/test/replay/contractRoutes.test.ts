import { assert, describe, it } from "@effect/vitest"
import { contractRoutes, contractSteps, matchRoute, routeOfStep } from "../../src/replay/ContractRoutes.ts"

const concrete = (template: string) => template.replace(/:([a-z_]+)/g, (_, name: string) => `${name}_x`)

describe("contract routes", () => {
  it("derives one route per endpoint of the thirteen contracts", () => {
    assert.strictEqual(contractRoutes.length, 43)
    assert.strictEqual(new Set(contractSteps).size, 43)
  })

  it("every endpoint's own path is matched back to it, params included", () => {
    for (const route of contractRoutes) {
      const found = matchRoute(route.method, concrete(route.template))
      assert.strictEqual(found && `${found.route.service}.${found.route.endpoint}`, `${route.service}.${route.endpoint}`)
      for (const name of route.paramNames) assert.strictEqual(found?.params[name], `${name}_x`)
    }
  })

  it("the method tells apart endpoints that share a path", () => {
    assert.strictEqual(matchRoute("GET", "/api/products/search")?.route.endpoint, "search")
    assert.strictEqual(matchRoute("POST", "/api/products/search")?.route.endpoint, "searchMany")
  })

  it("a path no contract declares matches nothing", () => {
    assert.isUndefined(matchRoute("GET", "/api/unknown"))
    assert.isUndefined(matchRoute("PUT", "/api/carts/find"))
    assert.strictEqual(routeOfStep("sellerAdmin.storeStatus")?.template, "/merchant/api/v1/domains/:domain_id/stores/:store_id")
    assert.isUndefined(routeOfStep("cache.set"))
  })
})
