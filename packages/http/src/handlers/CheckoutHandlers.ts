import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { SuggestionsFlow } from "@orchestra/core/suggestions/SuggestionsFlow"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CheckoutKey } from "../middleware/CheckoutKey.ts"
import { CurrentOwner } from "../middleware/CurrentOwner.ts"

/**
 * Place-order starts (or finds) the checkout workflow of its key and answers with what it decided.
 * It takes no cart lock: the workflow orders a snapshot of the cart, holds the cart against a
 * second checkout itself, and removes only the lines it ordered (docs/decisions.md).
 */
export const CheckoutHandlers = HttpApiBuilder.group(PublicApi, "checkout", (handlers) =>
  Effect.gen(function* () {
    const checkout = yield* CheckoutFlows
    const suggestions = yield* SuggestionsFlow
    return handlers
      .handle("placeOrder", ({ query, payload }) =>
        Effect.gen(function* () {
          const { key, fingerprint } = yield* CheckoutKey
          return yield* checkout.placeOrder({
            owner: yield* CurrentOwner,
            cartType: query.cart_type,
            request: payload,
            idempotencyKey: key,
            fingerprint
          })
        }).pipe(answerApiErrors)
      )
      .handle("suggestions", ({ query }) =>
        Effect.gen(function* () {
          return yield* suggestions.suggestions({ owner: yield* CurrentOwner, cartType: query.cart_type })
        }).pipe(answerApiErrors)
      )
  })
)
