import { BatchOperation } from "@orchestra/core/services/Cart"
import { CustomerId, DomainId, PickupPointId, ProductId, SessionId, StoreId } from "@orchestra/core/domain/Ids"
import type { OwnerRef } from "@orchestra/core/domain/Owner"
import type { ComputeInput } from "@orchestra/core/services/Cart"
import { Sandbox, type Simulators } from "@orchestra/testkit/sandbox/Sandbox"
import { Effect, Layer, Schema } from "effect"
import { BENCH_DOMAIN, benchCatalog, PICKUP_POINT, productId } from "./catalog.ts"

/**
 * Carts the sandbox starts with, so that no measured run spends its time building them: `count`
 * owners named `<prefix><i>`, each with a computed cart of `lines` lines (products 0..lines-1,
 * quantity 1), and a pickup point when the cart is to be placed.
 */
export interface SeedSet {
  readonly prefix: string
  readonly count: number
  readonly lines: number
  readonly owner: "customer" | "session"
  readonly pickup: boolean
}
export type SeedPlan = ReadonlyArray<SeedSet>

export const SEED_ENV = "BENCH_SEED"

const SeedPlanJson = Schema.fromJsonString(
  Schema.Array(
    Schema.Struct({
      prefix: Schema.String,
      count: Schema.Int,
      lines: Schema.Int,
      owner: Schema.Literals(["customer", "session"]),
      pickup: Schema.Boolean
    })
  )
)
export const encodeSeedPlan = Schema.encodeSync(SeedPlanJson)
export const seedPlanFromEnv = (): SeedPlan => {
  const text = process.env[SEED_ENV]
  return text === undefined || text.length === 0 ? [] : Schema.decodeUnknownSync(SeedPlanJson)(text)
}

export const ownerRefOf = (set: Pick<SeedSet, "owner">, id: string): OwnerRef =>
  set.owner === "customer"
    ? { domain_id: DomainId.make(BENCH_DOMAIN), customer_id: CustomerId.make(id) }
    : { domain_id: DomainId.make(BENCH_DOMAIN), session_id: SessionId.make(id) }

const decodeOperation = Schema.decodeUnknownSync(BatchOperation)

/** What the items flow would have learnt for pricing a cart of the first `lines` products. */
const pricingInput = (s: Simulators, lines: number) =>
  Effect.gen(function* () {
    const productIds = Array.from({ length: lines }, (_, i) => ProductId.make(productId(i)))
    const { products } = yield* s.product.operations.search({ query: { product_ids: productIds } })
    const storeIds = [...new Set(products.map((p) => p.store_id))]
    const taxSettings = yield* Effect.forEach(storeIds, (storeId) =>
      s.sellerAdmin.operations.taxSettings({ params: { domain_id: DomainId.make(BENCH_DOMAIN), store_id: StoreId.make(storeId) } })
    )
    const { promotions } = yield* s.marketing.operations.promotionsApplicable({ payload: { product_ids: productIds } })
    const input: ComputeInput = { products, promotions, tax_settings: taxSettings, delivery_charges: [] }
    return input
  })

const seedCarts = (s: Simulators, plan: SeedPlan) =>
  Effect.forEach(
    plan,
    (set) =>
      Effect.gen(function* () {
        const operations = Array.from({ length: set.lines }, (_, i) =>
          decodeOperation({ op: "ADD", product_id: productId(i), quantity: 1, index: i })
        )
        const input = yield* pricingInput(s, set.lines)
        for (let i = 0; i < set.count; i++) {
          const owner = ownerRefOf(set, `${set.prefix}${i}`)
          const cart = yield* s.cart.operations.findOrCreate({ payload: { ...owner, cart_type: "DEFAULT", currency: benchCatalog.currency } })
          const params = { cart_id: cart.cart_id }
          if (set.lines > 0) yield* s.cart.operations.applyBatch({ params, payload: { operations } })
          if (set.pickup) {
            yield* s.cart.operations.updateOptions({
              params,
              payload: { options: { pickup_point: { pickup_point_id: PickupPointId.make(PICKUP_POINT) } } }
            })
          }
          yield* s.cart.operations.compute({ params, payload: input })
        }
      }),
    { discard: true }
  )

/** The bench catalog's sandbox with the plan's carts already in it. */
export const benchSandbox = (plan: SeedPlan) =>
  Layer.effect(
    Sandbox,
    Effect.gen(function* () {
      const sandbox = yield* Effect.provide(Effect.service(Sandbox), Sandbox.make(benchCatalog))
      yield* seedCarts(sandbox.simulators, plan).pipe(Effect.orDie)
      return sandbox
    })
  )
