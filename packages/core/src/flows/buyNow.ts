import { Effect } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { Owner } from "../domain/Owner.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { cartVanished, indexed } from "./cartContext.ts"
import { itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /buy-now (express): DESIGN §4, 3 steps, on the owner's BUY_NOW cart.
 * 1 find-or-create (BUY_NOW) → 2 batch ops (replacing the cart's lines) → 3 cache set. Optional: 3.
 */
export const buyNow =
  (steps: Steps) =>
  (input: { readonly owner: Owner; readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const scope = { owner: input.owner, cartType: "BUY_NOW" as const }
      const cart = yield* steps.findOrCreateCart(scope) // 1
      const batch = yield* steps.applyBatch(cart.cart_id, indexed(input.request.operations), true) // 2
      yield* steps.cacheSet(scope.owner, scope.cartType, batch.cart) // 3
      return yield* itemsResponse(scope.cartType, batch.results, batch.cart)
    }).pipe(cartVanished)
