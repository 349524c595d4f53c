import { CartFlows, type CartScope } from "@orchestra/core/flows/CartFlows"
import type { MergedFromGuest } from "@orchestra/core/flows/mergedFromGuest"
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CurrentOwner, SignedInGuest } from "../middleware/CurrentOwner.ts"

const cartScope = (cartType: CartScope["cartType"]) =>
  Effect.gen(function* () {
    const owner = yield* CurrentOwner
    return { owner, cartType } satisfies CartScope
  })

/** The answer with what the merge on sign-in did, when this request merged. */
const withMerged = <A extends object>(answer: A, merged: Option.Option<MergedFromGuest>): A | (A & { readonly merged_from_guest: MergedFromGuest }) =>
  Option.match(merged, { onNone: () => answer, onSome: (mergedFromGuest) => ({ ...answer, merged_from_guest: mergedFromGuest }) })

/**
 * Each cart endpoint runs its flow; every mutation holds the cart's lock while it does. A signed-in
 * customer's request that also carries a guest session first merges the guest's cart (issue 15),
 * outside the flow's own lock: the merge takes both carts' locks itself, in a fixed order.
 */
export const CartHandlers = HttpApiBuilder.group(PublicApi, "cart", (handlers) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    const mutex = yield* CartMutex
    const mergeGuest = Effect.gen(function* () {
      const guest = yield* SignedInGuest
      const customer = yield* CurrentOwner
      if (guest === undefined) return Option.none<MergedFromGuest>()
      return yield* flows.mergeGuestCart({ customer, guest, underBothLocks: mutex.underBothLocks })
    })
    /** The merge, then the flow; the answer says what the merge did. */
    const merging = <A extends object, E, R>(flow: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const merged = yield* mergeGuest
        return withMerged(yield* flow, merged)
      })
    return handlers
      .handle("addItems", ({ query, payload }) =>
        merging(
          Effect.gen(function* () {
            const scope = yield* cartScope(query.cart_type)
            const flow = query.compute ? flows.itemsFull : flows.itemsLite
            // A guest adding lines: a request with both headers must look at its cart again.
            const touched = scope.owner._tag === "Session" && scope.cartType === "DEFAULT" ? flows.guestCartTouched({ guest: scope.owner }) : Effect.void
            return yield* mutex.withCartLock(scope, Effect.andThen(touched, flow({ ...scope, request: payload })))
          })
        ).pipe(answerApiErrors)
      )
      .handle("updateOptions", ({ query, payload }) =>
        merging(
          Effect.gen(function* () {
            const scope = yield* cartScope(query.cart_type)
            return yield* mutex.withCartLock(scope, flows.updateOptions({ ...scope, request: payload }))
          })
        ).pipe(answerApiErrors)
      )
      .handle("getCart", ({ query }) =>
        merging(
          Effect.gen(function* () {
            const scope = yield* cartScope(query.cart_type)
            return yield* query.compute ? flows.getFull(scope) : flows.getCached(scope)
          })
        ).pipe(answerApiErrors)
      )
      .handle("deleteCart", ({ query }) =>
        merging(
          Effect.gen(function* () {
            const scope = yield* cartScope(query.cart_type)
            return yield* mutex.withCartLock(scope, flows.deleteCart(scope))
          })
        ).pipe(answerApiErrors)
      )
      .handle("buyNow", ({ payload }) =>
        merging(
          Effect.gen(function* () {
            const scope = yield* cartScope("BUY_NOW")
            return yield* mutex.withCartLock(scope, flows.buyNow({ owner: scope.owner, request: payload }))
          })
        ).pipe(answerApiErrors)
      )
  })
)
