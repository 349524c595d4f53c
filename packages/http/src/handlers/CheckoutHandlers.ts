import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { CartFlows } from "@orchestra/core/flows/CartFlows"
import { SuggestionsFlow } from "@orchestra/core/suggestions/SuggestionsFlow"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { CartMutex } from "../concurrency/CartMutex.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { CheckoutKey } from "../middleware/CheckoutKey.ts"
import { CurrentOwner } from "../middleware/CurrentOwner.ts"
import { guestMerging } from "./guestMerge.ts"

/**
 * Place-order starts (or finds) the checkout workflow of its key and answers with what it decided.
 * It takes no cart lock: the workflow orders a snapshot of the cart, holds the cart against a
 * second checkout itself, and removes only the lines it ordered (docs/decisions.md). Like every
 * request of a signed-in customer that carries a guest session, each first merges the guest's cart.
 */
export const CheckoutHandlers = HttpApiBuilder.group(PublicApi, "checkout", (handlers) =>
  Effect.gen(function* () {
    const checkout = yield* CheckoutFlows
    const suggestions = yield* SuggestionsFlow
    // A guest cart merged here may change the cart being ordered: its total then differs from the
    // client's, and the checkout answers CART_CHANGED for the customer to review it.
    const merging = guestMerging(yield* CartFlows, yield* CartMutex)
    return handlers
      .handle("placeOrder", ({ query, payload }) =>
        merging(
          Effect.gen(function* () {
            const { key, fingerprint } = yield* CheckoutKey
            return yield* checkout.placeOrder({
              owner: yield* CurrentOwner,
              cartType: query.cart_type,
              request: payload,
              idempotencyKey: key,
              fingerprint
            })
          })
        ).pipe(answerApiErrors)
      )
      .handle("suggestions", ({ query }) =>
        merging(
          Effect.gen(function* () {
            return yield* suggestions.suggestions({ owner: yield* CurrentOwner, cartType: query.cart_type })
          })
        ).pipe(answerApiErrors)
      )
  })
)
