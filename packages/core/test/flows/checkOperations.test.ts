import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { LineItem } from "../../src/domain/Cart.ts"
import type { IndexedOperation } from "../../src/domain/CartLines.ts"
import { ItemId, ProductId, StoreId } from "../../src/domain/Ids.ts"
import { minor } from "../../src/domain/Money.ts"
import { MAX_LINES } from "../../src/domain/Operation.ts"
import { cartLimitViolations, catalogView, checkOperations, limitViolationsError } from "../../src/flows/checkOperations.ts"
import { batchFirst } from "../../src/flows/itemsResponse.ts"
import type { Product } from "../../src/services/Product.ts"
import type { StoreStatus } from "../../src/services/SellerAdmin.ts"

const store = (id: string, fields: Partial<StoreStatus> = {}): StoreStatus => ({
  store_id: StoreId.make(id),
  name: id,
  active: true,
  online: true,
  ...fields
})
const product = (id: string, fields: Partial<Product> = {}): Product => ({
  product_id: ProductId.make(id),
  store_id: StoreId.make("store_open"),
  name: id,
  status: "ACTIVE",
  price: minor(100),
  ...fields
})
const line = (productId: string, quantity: number, n: number): LineItem => ({
  item_id: ItemId.make(`item_${n}`),
  product_id: ProductId.make(productId),
  addons: [],
  quantity
})

/** 150 products of one open store, p0 … p149, each limited to 5 per order. */
const many = Array.from({ length: 150 }, (_, i) => product(`p${i}`, { max_per_order: 5 }))
const view = catalogView(
  [
    ...many,
    product("inactive", { status: "INACTIVE" }),
    product("offline", { store_id: StoreId.make("store_offline") }),
    product("closed", { store_id: StoreId.make("store_closed") }),
    product("limited", { max_per_order: 3 })
  ],
  [],
  [store("store_open"), store("store_offline", { online: false }), store("store_closed", { active: false })]
)

const add = (productId: string, index: number, quantity = 1): IndexedOperation => ({
  op: "ADD",
  product_id: ProductId.make(productId),
  quantity,
  index
})

describe("checkOperations: DESIGN §3's 100 lines", () => {
  it.effect.prop(
    "a cart of n lines takes exactly 100 − n new lines; the rest are CART_FULL, and adding to a line always works",
    [Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_LINES })), Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 50 }))],
    ([n, k]) =>
      Effect.sync(() => {
        const items = Array.from({ length: n }, (_, i) => line(`p${i}`, 1, i))
        const operations = [
          ...Array.from({ length: k }, (_, i) => add(`p${100 + i}`, i)),
          // One more of a line already in the cart: no new line, so never refused for the count.
          ...(n > 0 ? [add("p0", k)] : [])
        ]
        const checked = checkOperations(items, operations, view)
        const fresh = Math.min(k, MAX_LINES - n)
        assert.strictEqual(checked.accepted.filter((op) => op.index < k).length, fresh)
        assert.deepStrictEqual<ReadonlyArray<ReadonlyArray<unknown>>>(
          checked.rejected.map((r) => [r.index, r.code]),
          Array.from({ length: k - fresh }, (_, i) => [fresh + i, "CART_FULL"])
        )
        if (n > 0) assert.isTrue(checked.accepted.some((op) => op.index === k))
      })
  )
})

describe("cartLimitViolations: a cart about to be ordered against DESIGN §3", () => {
  it("a cart within every limit has none", () => {
    assert.deepStrictEqual(cartLimitViolations([line("p0", 5, 0), line("p1", 1, 1), line("limited", 3, 2)], view), [])
  })

  it("names each line that breaks a limit, with the per-operation code", () => {
    const items = [
      line("p0", 1, 0),
      line("gone", 1, 1),
      line("inactive", 1, 2),
      line("offline", 1, 3),
      line("closed", 1, 4),
      line("limited", 2, 5),
      line("limited", 2, 6)
    ]
    assert.deepStrictEqual(
      cartLimitViolations(items, view).map((v) => [v.item_id, v.code]),
      [
        ["item_1", "PRODUCT_NOT_FOUND"],
        ["item_2", "PRODUCT_INACTIVE"],
        ["item_3", "STORE_OFFLINE"],
        ["item_4", "STORE_OFFLINE"],
        // max_per_order counts the product across its lines.
        ["item_5", "QUANTITY_LIMIT"],
        ["item_6", "QUANTITY_LIMIT"]
      ]
    )
  })

  it("a line of more than 99, and every line past the 100th, break the limits", () => {
    const full = Array.from({ length: MAX_LINES + 2 }, (_, i) => line(`p${i}`, 1, i))
    assert.deepStrictEqual(
      cartLimitViolations([...full.slice(0, 2), line("p120", 100, 120)], catalogView([product("p0"), product("p1"), product("p120")], [], [store("store_open")])).map(
        (v) => [v.item_id, v.code]
      ),
      [["item_120", "QUANTITY_LIMIT"]]
    )
    assert.deepStrictEqual(
      cartLimitViolations(full, view).map((v) => [v.item_id, v.code]),
      [
        ["item_100", "CART_FULL"],
        ["item_101", "CART_FULL"]
      ]
    )
  })
})

describe("limitViolationsError: what place-order answers for a cart that breaks the limits", () => {
  it("422 STORE_OFFLINE when a store is not taking orders, else 409 CART_CHANGED; every violation in details", () => {
    const offline = limitViolationsError(cartLimitViolations([line("offline", 1, 0), line("inactive", 1, 1)], view))
    assert.strictEqual(offline._tag, "STORE_OFFLINE")
    assert.deepStrictEqual(
      (offline.details as ReadonlyArray<{ readonly code: string }>).map((d) => d.code),
      ["STORE_OFFLINE", "PRODUCT_INACTIVE"]
    )
    const inactive = limitViolationsError(cartLimitViolations([line("inactive", 1, 1)], view))
    assert.strictEqual(inactive._tag, "CART_CHANGED")
    assert.include(inactive.message, "inactive is not for sale")
  })
})

describe("batchFirst: one result per operation when a replayed batch meets this attempt's checks", () => {
  it("the batch's result wins for an operation both answer; a refusal stands for the others", () => {
    const refused = [
      { index: 0, operation: "ADD" as const, status: "FAILED" as const, code: "OUT_OF_STOCK" as const },
      { index: 2, operation: "ADD" as const, status: "FAILED" as const, code: "PRODUCT_INACTIVE" as const }
    ]
    const applied = [
      { index: 0, operation: "ADD" as const, status: "SUCCESS" as const, action_taken: "ADDED" as const },
      { index: 1, operation: "ADD" as const, status: "SUCCESS" as const, action_taken: "ADDED" as const }
    ]
    assert.deepStrictEqual(
      batchFirst(refused, applied).map((r) => [r.index, r.status]).sort(),
      [
        [0, "SUCCESS"],
        [1, "SUCCESS"],
        [2, "FAILED"]
      ]
    )
  })
})

describe("checkOperations: a refusal names the line it concerns (issue 13)", () => {
  it("an UPDATE over the limit, an ADD to an existing line of an inactive product: item_id at the top level; a new line: none", () => {
    const items = [line("limited", 2, 1), line("inactive", 1, 2)]
    const checked = checkOperations(
      items,
      [
        { op: "UPDATE", item_id: ItemId.make("item_1"), quantity: 4, index: 0 },
        add("inactive", 1),
        add("limited", 2, 5)
      ],
      view
    )
    assert.deepStrictEqual<unknown>(
      checked.rejected.map((r) => [r.index, r.code, r.item_id]),
      [
        [0, "QUANTITY_LIMIT", "item_1"],
        [1, "PRODUCT_INACTIVE", "item_2"],
        [2, "QUANTITY_LIMIT", "item_1"]
      ]
    )
    assert.deepStrictEqual(checkOperations([], [add("inactive", 0)], view).rejected[0]?.item_id, undefined)
  })
})
