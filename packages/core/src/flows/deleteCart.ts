import { Effect, Option, Schema } from "effect"
import { type ApiError, CartNotFound } from "../domain/Errors.ts"
import { CartId } from "../domain/Ids.ts"
import { ownerKey } from "../domain/Owner.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import type { CartScope } from "./CartFlows.ts"
import { cartWriteRefusals } from "./cartContext.ts"
import type { FlowDeps } from "./FlowDeps.ts"
import type { DeleteCartResponse } from "./responses.ts"
import type { Steps } from "./steps.ts"

const decodeCartId = Schema.decodeUnknownOption(CartId)

/**
 * DELETE /cart: DESIGN §4, 3 steps.
 * 1 cart delete → ‖ 2 cache delete, 3 release reservations. Optional: 2, 3 (logged, retried).
 * The cart id comes from the cache's owner index, or from a cart lookup when the index has none
 * or points at a cart that is gone (docs/flows.md).
 */
export const deleteCart =
  (deps: FlowDeps, steps: Steps) =>
  (input: CartScope): Effect.Effect<DeleteCartResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const noCart = new CartNotFound({ message: "There is no cart to delete" })
      const byLookup = Effect.gen(function* () {
        const found = yield* steps.findCart(input)
        if (Option.isNone(found)) return yield* noCart
        return yield* steps.removeCart(input.owner, found.value.cart_id).pipe(Effect.catchTag("ResourceNotFound", () => Effect.fail(noCart)))
      })
      const indexedId = Option.flatMap(
        Option.flatten(yield* Effect.option(deps.cache.ownerCartId(ownerKey(input.owner, input.cartType)))),
        decodeCartId
      )
      const removed = yield* Option.match(indexedId, {
        onNone: () => byLookup,
        onSome: (cartId) => steps.removeCart(input.owner, cartId).pipe(Effect.catchTag("ResourceNotFound", () => byLookup))
      }) // 1

      yield* Effect.all(
        [steps.cacheDelete(input.owner, input.cartType, removed.cart_id), steps.releaseReservations(removed.cart_id)],
        { concurrency: "unbounded" }
      ) // 2, 3
      const context = yield* RequestContext
      return {
        success: true,
        message: "Cart deleted successfully",
        cart_id: removed.cart_id,
        cart_type: input.cartType,
        warnings: [...context.warnings]
      } as const
    }).pipe(cartWriteRefusals)
