import { CartFlows, type CartScope } from "@orchestra/core/flows/CartFlows"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "../middleware/CurrentOwner.ts"

const cartScope = (cartType: CartScope["cartType"]) =>
  Effect.gen(function* () {
    const owner = yield* CurrentOwner
    return { owner, cartType } satisfies CartScope
  })

/** Each cart endpoint runs its flow; every mutation holds the cart's lock while it does. */
export const CartHandlers = HttpApiBuilder.group(PublicApi, "cart", (handlers) =>
  Effect.gen(function* () {
    const flows = yield* CartFlows
    const mutex = yield* CartMutex
    return handlers
      .handle("addItems", ({ query, payload }) =>
        Effect.gen(function* () {
          const scope = yield* cartScope(query.cart_type)
          const flow = query.compute ? flows.itemsFull : flows.itemsLite
          return yield* mutex.withCartLock(scope, flow({ ...scope, request: payload }))
        }).pipe(answerApiErrors)
      )
      .handle("updateOptions", ({ query, payload }) =>
        Effect.gen(function* () {
          const scope = yield* cartScope(query.cart_type)
          return yield* mutex.withCartLock(scope, flows.updateOptions({ ...scope, request: payload }))
        }).pipe(answerApiErrors)
      )
      .handle("getCart", ({ query }) =>
        Effect.gen(function* () {
          const scope = yield* cartScope(query.cart_type)
          return yield* query.compute ? flows.getFull(scope) : flows.getCached(scope)
        }).pipe(answerApiErrors)
      )
      .handle("deleteCart", ({ query }) =>
        Effect.gen(function* () {
          const scope = yield* cartScope(query.cart_type)
          return yield* mutex.withCartLock(scope, flows.deleteCart(scope))
        }).pipe(answerApiErrors)
      )
      .handle("buyNow", ({ payload }) =>
        Effect.gen(function* () {
          const scope = yield* cartScope("BUY_NOW")
          return yield* mutex.withCartLock(scope, flows.buyNow({ owner: scope.owner, request: payload }))
        }).pipe(answerApiErrors)
      )
  })
)
