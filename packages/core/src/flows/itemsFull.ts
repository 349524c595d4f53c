import { Effect, Option } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals, chargesOf, indexed, invalidatingOnFailure, productIdsOf, sellerContext, storeIdsOf } from "./cartContext.ts"
import { catalogView, checkOperations, requestedStock } from "./checkOperations.ts"
import { batchFirst, itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /cart/items (full): DESIGN §4, 10 steps.
 * 1 cart find-or-create → ‖ 2 products, 3 inventory, 4 shipping (with a delivery option),
 * 5 store status, 6 tax settings → 7 promotions → 8 batch ops → 9 compute → 10 cache set.
 * Optional: 4, 7, 10.
 */
export const itemsFull =
  (steps: Steps) =>
  (input: CartScope & { readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const { owner, cartType } = input
      const operations = indexed(input.request.operations)

      const cart = yield* steps.findOrCreateCart(input) // 1

      const productIds = productIdsOf(cart.items, operations)
      const products = yield* Effect.cached(Effect.map(steps.searchProducts(productIds), (r) => r.products))
      const gathered = yield* Effect.all(
        {
          products, // 2
          availability: steps.checkAvailability(requestedStock(cart.items, operations)), // 3
          sellers: sellerContext(steps, owner.domainId, cart, storeIdsOf(cart.items, productIds, products)) // 4, 5, 6
        },
        { concurrency: "unbounded" }
      )

      const promotions = yield* steps.promotions(productIds) // 7

      const checked = checkOperations(
        cart.items,
        operations,
        catalogView(gathered.products, gathered.availability.items, gathered.sellers.statuses)
      )
      const { batch, computed } = yield* Effect.gen(function* () {
        const batch =
          checked.accepted.length === 0 ? { results: [], cart } : yield* steps.applyBatch(owner, cart.cart_id, checked.accepted) // 8
        const computed = yield* steps.compute(
          cart.cart_id,
          {
            products: gathered.products,
            promotions: Option.getOrElse(promotions, () => []),
            tax_settings: gathered.sellers.taxSettings,
            delivery_charges: chargesOf(gathered.sellers.shipping)
          },
          batch.cart.version
        ) // 9
        yield* steps.cacheSet(owner, cartType, computed) // 10
        return { batch, computed }
      }).pipe(invalidatingOnFailure(steps, cart))

      return yield* itemsResponse(cartType, batchFirst(checked.rejected, batch.results), computed)
    }).pipe(cartWriteRefusals)
