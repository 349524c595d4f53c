import { Effect, Option } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { Owner } from "../domain/Owner.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { cartWriteRefusals, chargesOf, indexed, invalidatingOnFailure, productIdsOf, sellerContext, storeIdsOf } from "./cartContext.ts"
import { catalogView, checkOperations } from "./checkOperations.ts"
import { batchFirst, itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /buy-now (express) on the owner's BUY_NOW cart. The seed's 3 steps (1 find-or-create, batch
 * ops replacing the lines, cache set) answer "a full computed cart" and lead straight to checkout,
 * so the client needs the amount to pay from this answer: the cart is priced here as the full items
 * flow prices it (docs/flows.md).
 * 1 find-or-create (BUY_NOW) → ‖ 2 products search, 3 store status, 4 tax settings, 5 shipping (with
 * a delivery option), 6 promotions → 7 batch ops (the operations that pass, replacing the cart's
 * lines) → 8 compute → 9 cache set. Optional: 5, 6, 9. The operations are checked against an empty
 * cart, as the batch replaces the lines; stock is checked when the order is placed.
 */
export const buyNow =
  (steps: Steps) =>
  (input: { readonly owner: Owner; readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const scope = { owner: input.owner, cartType: "BUY_NOW" as const }
      const operations = indexed(input.request.operations)
      const cart = yield* steps.findOrCreateCart(scope) // 1
      const productIds = productIdsOf([], operations)
      const products = yield* Effect.cached(
        productIds.length === 0 ? Effect.succeed([]) : Effect.map(steps.searchProducts(productIds), (r) => r.products)
      )
      const gathered = yield* Effect.all(
        {
          products, // 2
          sellers: sellerContext(steps, input.owner.domainId, cart, storeIdsOf([], productIds, products)), // 3, 4, 5
          promotions: productIds.length === 0 ? Effect.succeedNone : steps.promotions(productIds) // 6
        },
        { concurrency: "unbounded" }
      )
      const checked = checkOperations([], operations, catalogView(gathered.products, [], gathered.sellers.statuses))
      const { batch, computed } = yield* Effect.gen(function* () {
        const batch = yield* steps.applyBatch(scope.owner, cart.cart_id, checked.accepted, true) // 7
        const computed = yield* steps.compute(
          cart.cart_id,
          {
            products: gathered.products,
            promotions: Option.getOrElse(gathered.promotions, () => []),
            tax_settings: gathered.sellers.taxSettings,
            delivery_charges: chargesOf(gathered.sellers.shipping)
          },
          batch.cart.version
        ) // 8
        yield* steps.cacheSet(scope.owner, scope.cartType, computed) // 9
        return { batch, computed }
      }).pipe(invalidatingOnFailure(steps, cart))
      return yield* itemsResponse(scope.cartType, batchFirst(checked.rejected, batch.results), computed)
    }).pipe(cartWriteRefusals)
