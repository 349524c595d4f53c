import { Effect } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals, indexed, invalidatingOnFailure, limitsView } from "./cartContext.ts"
import { checkOperations } from "./checkOperations.ts"
import { batchFirst, itemsResponse } from "./itemsResponse.ts"
import type { ItemsRequest } from "./requests.ts"
import type { ItemsResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

/**
 * POST /cart/items?compute=false (lite): DESIGN §4's 3 steps, plus the two DESIGN §3's limits need.
 * 1 find-or-create → ‖ 2 products search, 3 store status (the products the operations touch,
 * skipped for a request that only deletes) → 4 batch ops (the operations that pass) → 5 cache set
 * (marked not computed). Optional: 5. No stock check and no pricing: the cart is priced on its next
 * full read. Each refused operation gets the full flow's code (docs/decisions.md).
 */
export const itemsLite =
  (steps: Steps) =>
  (input: CartScope & { readonly request: ItemsRequest }): Effect.Effect<ItemsResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const operations = indexed(input.request.operations)
      const cart = yield* steps.findOrCreateCart(input) // 1
      const view = yield* limitsView(steps, input.owner.domainId, cart.items, operations) // 2, 3
      const checked = checkOperations(cart.items, operations, view)
      const written = yield* Effect.gen(function* () {
        const batch =
          checked.accepted.length === 0 ? { results: [], cart } : yield* steps.applyBatch(input.owner, cart.cart_id, checked.accepted) // 4
        yield* steps.cacheSet(input.owner, input.cartType, batch.cart) // 5
        return batch
      }).pipe(invalidatingOnFailure(steps, cart))
      return yield* itemsResponse(input.cartType, batchFirst(checked.rejected, written.results), written.cart)
    }).pipe(cartWriteRefusals)
