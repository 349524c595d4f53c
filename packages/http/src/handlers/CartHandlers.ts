import { CartFlows, type CartScope } from "@orchestra/core/flows/CartFlows"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "../middleware/CurrentOwner.ts"
import { guestMerging } from "./guestMerge.ts"

const cartScope = (cartType: CartScope["cartType"]) =>
  Effect.gen(function* () {
    const owner = yield* CurrentOwner
    return { owner, cartType } satisfies CartScope
  })

/**
 * Each cart endpoint runs its flow; every mutation holds the cart's lock while it does. A signed-in
 * customer's request that also carries a guest session first merges the guest's cart (`guestMerging`).
 */
export const CartHandlers = HttpApiBuilder.group(PublicApi, "cart", (handlers) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    const mutex = yield* CartMutex
    const merging = guestMerging(flows, mutex)
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
