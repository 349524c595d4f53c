import { Clock, Effect, Option } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import { recordCacheLookup } from "../observability/Telemetry.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { CartScope } from "./CartFlows.ts"
import { emptyCart } from "./emptyCart.ts"
import type { FlowDeps } from "./FlowDeps.ts"
import type { GetCachedCartResponse } from "./responses.ts"
import { decodeCachedCart, type Steps } from "./steps.ts"

/**
 * GET /cart?compute=false (cached): DESIGN §4, 2 steps.
 * 1 cache get → 2 cart get on a miss. Optional: 1 (a cache failure is a miss).
 */
export const getCached =
  (deps: FlowDeps, steps: Steps) =>
  (input: CartScope): Effect.Effect<GetCachedCartResponse, ApiError, RequestContext> =>
    Effect.gen(function* () {
      const cached = yield* steps.cacheGet(input.owner, input.cartType) // 1
      if (Option.isSome(cached)) {
        const cart = yield* Effect.option(decodeCachedCart(cached.value.body))
        if (Option.isSome(cart)) {
          yield* recordCacheLookup("hit")
          const now = yield* Clock.currentTimeMillis
          return {
            success: true,
            cart_type: input.cartType,
            from_cache: true,
            cache_age_seconds: Math.max(0, Math.floor((now - cached.value.computedAt) / 1000)),
            cart: cart.value
          } as const
        }
      }
      // An unreadable cache counts as a miss here; its errors show in the downstream calls of service "cache".
      yield* recordCacheLookup("miss")
      const found = yield* steps.findCart(input) // 2
      return {
        success: true,
        cart_type: input.cartType,
        from_cache: false,
        cart: Option.getOrElse(found, () => emptyCart(input.cartType, deps.currency))
      } as const
    })
