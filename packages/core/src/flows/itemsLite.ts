import { Effect } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartVanished, indexed } from "./cartContext.ts"
import { itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /cart/items?compute=false (lite): DESIGN §4, 3 steps.
 * 1 find-or-create → 2 batch ops → 3 cache set (marked not computed). Optional: 3.
 * Only the request's shape is validated; the cart is priced on its next full read.
 */
export const itemsLite =
  (steps: Steps) =>
  (input: CartScope & { readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const cart = yield* steps.findOrCreateCart(input) // 1
      const batch = yield* steps.applyBatch(cart.cart_id, indexed(input.request.operations)) // 2
      yield* steps.cacheSet(input.owner, input.cartType, batch.cart) // 3
      return yield* itemsResponse(input.cartType, batch.results, batch.cart)
    }).pipe(cartVanished)
