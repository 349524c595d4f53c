import { Effect } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { Owner } from "../domain/Owner.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { cartWriteRefusals, indexed, invalidatingOnFailure, limitsView } from "./cartContext.ts"
import { checkOperations } from "./checkOperations.ts"
import { batchFirst, itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /buy-now (express): DESIGN §4's 3 steps on the owner's BUY_NOW cart, plus the two DESIGN
 * §3's limits need. 1 find-or-create (BUY_NOW) → ‖ 2 products search, 3 store status → 4 batch ops
 * (the operations that pass, replacing the cart's lines) → 5 cache set. Optional: 5. The
 * operations are checked against an empty cart, as the batch replaces the lines.
 */
export const buyNow =
  (steps: Steps) =>
  (input: { readonly owner: Owner; readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const scope = { owner: input.owner, cartType: "BUY_NOW" as const }
      const operations = indexed(input.request.operations)
      const cart = yield* steps.findOrCreateCart(scope) // 1
      const view = yield* limitsView(steps, input.owner.domainId, [], operations) // 2, 3
      const checked = checkOperations([], operations, view)
      const written = yield* Effect.gen(function* () {
        const batch = yield* steps.applyBatch(scope.owner, cart.cart_id, checked.accepted, true) // 4
        yield* steps.cacheSet(scope.owner, scope.cartType, batch.cart) // 5
        return batch
      }).pipe(invalidatingOnFailure(steps, cart))
      return yield* itemsResponse(scope.cartType, batchFirst(checked.rejected, written.results), written.cart)
    }).pipe(cartWriteRefusals)
