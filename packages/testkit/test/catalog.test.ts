import { describe, expect, it } from "vitest"
import { demoCatalog } from "../src/catalog/Catalog.ts"

describe("demo catalog", () => {
  it("decodes amounts to minor units and rates to basis points", () => {
    const phone = demoCatalog.products.find((p) => p.product_id === "prod_phone")
    expect(phone?.variants?.[0]?.price).toBe(1_999_900)
    expect(demoCatalog.stores.find((s) => s.store_id === "store_123")?.tax_settings.rate).toBe(500)
    expect(demoCatalog.customers[0]?.loyalty.point_value).toBe(25)
  })
})
