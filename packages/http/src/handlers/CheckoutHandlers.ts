import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { InvalidRequest } from "@orchestra/core/domain/Errors"
import { RequestContext } from "@orchestra/core/runtime/RequestContext"
import { SuggestionsFlow } from "@orchestra/core/suggestions/SuggestionsFlow"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "../middleware/CurrentOwner.ts"

/**
 * Place-order holds the cart's lock for all of phase 1, so the cart's mutations and a second
 * place-order under another key wait, then get 409 CART_BUSY (DESIGN §6).
 */
export const CheckoutHandlers = HttpApiBuilder.group(PublicApi, "checkout", (handlers) =>
  Effect.gen(function* () {
    const checkout = yield* CheckoutFlows
    const suggestions = yield* SuggestionsFlow
    const mutex = yield* CartMutex
    return handlers
      .handle("placeOrder", ({ query, payload }) =>
        Effect.gen(function* () {
          const scope = { owner: yield* CurrentOwner, cartType: query.cart_type }
          const { idempotencyKey } = yield* RequestContext
          if (idempotencyKey === undefined) {
            return yield* new InvalidRequest({ message: "Header Idempotency-Key is required on this endpoint" })
          }
          return yield* mutex.withCartLock(scope, checkout.placeOrder({ ...scope, request: payload, idempotencyKey }))
        }).pipe(answerApiErrors)
      )
      .handle("suggestions", ({ query }) =>
        Effect.gen(function* () {
          return yield* suggestions.suggestions({ owner: yield* CurrentOwner, cartType: query.cart_type })
        }).pipe(answerApiErrors)
      )
  })
)
