import { Context, Effect, Layer } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { tracedFlow } from "../observability/Telemetry.ts"
import { CartService } from "../services/Cart.ts"
import { InventoryService } from "../services/Inventory.ts"
import { MarketingService } from "../services/Marketing.ts"
import { ProductService } from "../services/Product.ts"
import { RecommendationsService } from "../services/Recommendations.ts"
import { getSuggestions } from "./getSuggestions.ts"
import { makeSuggestionSteps } from "./suggestionSteps.ts"
import type { SuggestionsResponse } from "./SuggestionsResponse.ts"
import { SuggestionWeightsConfig } from "./SuggestionWeights.ts"

/**
 * GET /cart/suggestions behind one service, like the cart flows: the HTTP handler and the CLI run
 * it through this tag, and each request provides its own `RequestContext`.
 */
export class SuggestionsFlow extends Context.Service<
  SuggestionsFlow,
  {
    readonly suggestions: (scope: CartScope) => Effect.Effect<SuggestionsResponse, ApiError, RequestContext>
  }
>()("orchestra/SuggestionsFlow") {}

/**
 * The suggestions flow over whichever downstream layers the environment chose, with the type
 * weights read once from `ORCHESTRA_SUGGESTION_WEIGHTS`.
 */
export const SuggestionsFlowLive = Layer.effect(
  SuggestionsFlow,
  Effect.gen(function* () {
    const steps = makeSuggestionSteps({
      cart: yield* CartService,
      product: yield* ProductService,
      inventory: yield* InventoryService,
      marketing: yield* MarketingService,
      recommendations: yield* RecommendationsService
    })
    const weights = yield* SuggestionWeightsConfig
    return SuggestionsFlow.of({ suggestions: tracedFlow("suggestions", getSuggestions(steps, weights)) })
  })
)
