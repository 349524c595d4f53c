import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DeliveryOptionId, DomainId, GiftWrapId, PickupPointId, StoreId } from "@orchestra/core/domain/Ids"
import { demoCatalog } from "../../src/catalog/Catalog.ts"
import { makeSellerAdminSimulator } from "../../src/simulators/SellerAdminSimulator.ts"

const store = (storeId: string, domainId = "dom_demo") => ({
  params: { domain_id: DomainId.make(domainId), store_id: StoreId.make(storeId) }
})

describe("SellerAdminSimulator", () => {
  it.effect("answers each catalog store's status and tax settings", () =>
    Effect.gen(function* () {
      const admin = yield* makeSellerAdminSimulator(demoCatalog)
      assert.deepStrictEqual<unknown>(yield* admin.operations.storeStatus(store("store_123")), {
        store_id: "store_123",
        name: "Gadget Hub",
        active: true,
        online: true
      })
      assert.strictEqual((yield* admin.operations.storeStatus(store("store_789"))).online, false)
      assert.deepStrictEqual<unknown>(yield* admin.operations.taxSettings(store("store_123")), {
        store_id: "store_123",
        mode: "EXCLUSIVE",
        rate: 500,
        label: "GST 5%"
      })
      assert.deepStrictEqual<unknown>(yield* admin.operations.taxSettings(store("store_456")), {
        store_id: "store_456",
        mode: "INCLUSIVE",
        rate: 1_200,
        label: "GST 12% (included)"
      })
    })
  )

  it.effect("does not know unknown stores, nor stores asked for under another domain", () =>
    Effect.gen(function* () {
      const admin = yield* makeSellerAdminSimulator(demoCatalog)
      const failures = yield* Effect.all([
        Effect.flip(admin.operations.storeStatus(store("store_000"))),
        Effect.flip(admin.operations.storeStatus(store("store_123", "dom_other"))),
        Effect.flip(admin.operations.taxSettings(store("store_000"))),
        Effect.flip(admin.operations.taxSettings(store("store_123", "dom_other")))
      ])
      assert.deepStrictEqual<unknown>(
        failures.map((e) => e._tag),
        ["ResourceNotFound", "ResourceNotFound", "ResourceNotFound", "ResourceNotFound"]
      )
    })
  )

  it.effect("takes a store offline at runtime", () =>
    Effect.gen(function* () {
      const admin = yield* makeSellerAdminSimulator(demoCatalog)
      admin.setStoreOnline("store_123", false)
      assert.strictEqual((yield* admin.operations.storeStatus(store("store_123"))).online, false)
      assert.strictEqual(admin.storeOf("store_123")?.online, false)
      admin.setStoreOnline("store_789", true)
      assert.strictEqual((yield* admin.operations.storeStatus(store("store_789"))).online, true)
      assert.throws(() => admin.setStoreOnline("store_000", true), /unknown store/)
    })
  )

  it.effect("returns fulfilment options, inactive ones with active: false, and NotFound for unknown ids", () =>
    Effect.gen(function* () {
      const admin = yield* makeSellerAdminSimulator(demoCatalog)
      const standard = yield* admin.operations.deliveryOption({ params: { id: DeliveryOptionId.make("deliv_opt_123") } })
      assert.deepStrictEqual<unknown>(
        [standard.name, standard.charge_per_store, standard.active, standard.slots.map((s) => s.id)],
        ["Standard", 5_000, true, ["slot_today_1", "slot_today_2"]]
      )
      const retired = yield* admin.operations.deliveryOption({ params: { id: DeliveryOptionId.make("deliv_opt_retired") } })
      assert.strictEqual(retired.active, false)
      const closed = yield* admin.operations.pickupPoint({ params: { id: PickupPointId.make("pickup_closed") } })
      assert.deepStrictEqual<unknown>(closed, { pickup_point_id: "pickup_closed", name: "Closed Hub", active: false })
      const wrap = yield* admin.operations.giftWrapOption({ params: { id: GiftWrapId.make("gift_wrap_premium") } })
      assert.deepStrictEqual<unknown>(wrap, {
        id: "gift_wrap_premium",
        name: "Premium wrap",
        price: 7_500,
        active: true,
        max_message_length: 200
      })
      const unknown = yield* Effect.all([
        Effect.flip(admin.operations.deliveryOption({ params: { id: DeliveryOptionId.make("deliv_nope") } })),
        Effect.flip(admin.operations.pickupPoint({ params: { id: PickupPointId.make("pickup_nope") } })),
        Effect.flip(admin.operations.giftWrapOption({ params: { id: GiftWrapId.make("wrap_nope") } }))
      ])
      assert.deepStrictEqual<unknown>(
        unknown.map((e) => e.message),
        ["delivery option deliv_nope not found", "pickup point pickup_nope not found", "gift wrap option wrap_nope not found"]
      )
    })
  )
})
