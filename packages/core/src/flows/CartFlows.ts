import { Context, type Effect, type Option } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { CartType, Owner } from "../domain/Owner.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import type { MergedFromGuest } from "./mergedFromGuest.ts"
import type { GuestMergeInput } from "./mergeGuestCart.ts"
import type { ItemsRequest, UpdateOptionsRequest } from "./requests.ts"
import type {
  DeleteCartResponse,
  GetCachedCartResponse,
  GetCartResponse,
  ItemsResponse,
  UpdateOptionsResponse
} from "./responses.ts"

export interface CartScope {
  readonly owner: Owner
  readonly cartType: CartType
}

type Flow<In, Out> = (input: In) => Effect.Effect<Out, ApiError, RequestContext>

/**
 * The cart flows of DESIGN §4 behind one service: the HTTP handlers, the CLI and the benchmarks
 * all run them through this tag. Each request provides its own `RequestContext`.
 */
export class CartFlows extends Context.Service<
  CartFlows,
  {
    readonly itemsFull: Flow<CartScope & { readonly request: ItemsRequest }, ItemsResponse>
    readonly itemsLite: Flow<CartScope & { readonly request: ItemsRequest }, ItemsResponse>
    readonly updateOptions: Flow<CartScope & { readonly request: UpdateOptionsRequest }, UpdateOptionsResponse>
    readonly getFull: Flow<CartScope, GetCartResponse>
    readonly getCached: Flow<CartScope, GetCachedCartResponse>
    readonly deleteCart: Flow<CartScope, DeleteCartResponse>
    readonly buyNow: Flow<{ readonly owner: Owner; readonly request: ItemsRequest }, ItemsResponse>
    /** Issue 15: a signed-in customer's request that also carries a guest session merges the guest's cart first. */
    readonly mergeGuestCart: Flow<GuestMergeInput, Option.Option<MergedFromGuest>>
    /** A guest adding to its DEFAULT cart: a merge mark of the session no longer holds. */
    readonly guestCartTouched: Flow<{ readonly guest: Owner }, void>
  }
>()("orchestra/CartFlows") {}
