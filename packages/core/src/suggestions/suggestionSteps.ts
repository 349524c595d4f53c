import { Clock, Effect, Option } from "effect"
import type { CustomerId, ProductId } from "../domain/Ids.ts"
import type { Minor } from "../domain/Money.ts"
import { toOwnerRef } from "../domain/Owner.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { RequestContext } from "../runtime/RequestContext.ts"
import { StepPolicy } from "../runtime/StepPolicy.ts"
import { optionalStep, runStep } from "../runtime/StepRunner.ts"
import type { CartService } from "../services/Cart.ts"
import type { DownstreamFailure } from "../services/DownstreamErrors.ts"
import { ResourceNotFound } from "../services/DownstreamErrors.ts"
import type { InventoryService, StockLine } from "../services/Inventory.ts"
import type { MarketingService } from "../services/Marketing.ts"
import type { ProductService } from "../services/Product.ts"
import type { RecommendationsService } from "../services/Recommendations.ts"

/** What the suggestions flow calls, resolved once when its layer is built. */
export interface SuggestionDeps {
  readonly cart: CartService["Service"]
  readonly product: ProductService["Service"]
  readonly inventory: InventoryService["Service"]
  readonly marketing: MarketingService["Service"]
  readonly recommendations: RecommendationsService["Service"]
}

/** A source's answer, or none when it failed or ran out of time; `step` is what `meta.degraded_sources` names. */
export interface SourceAnswer<A> {
  readonly step: string
  readonly answer: Option.Option<A>
}

const read = (name: string) => ({ name, kind: "read" as const })

/**
 * Steps 2–6 are optional (DESIGN §4): a failing source is left out. Each also gets its own
 * deadline — the request's, narrowed to one read timeout from the moment it starts — so retries
 * of a failing source or a source that never answers cannot hold the answer past that timeout.
 * The narrowed context shares the request's trace and warnings.
 */
const source = <A, E>(step: string, call: Effect.Effect<A, E | DownstreamFailure>, what: string) =>
  Effect.gen(function* () {
    const context = yield* RequestContext
    const policy = yield* StepPolicy
    const now = yield* Clock.currentTimeMillis
    const own = { ...context, deadlineAt: Math.min(context.deadlineAt, now + policy.readTimeoutMs) }
    const answer = yield* Effect.provideService(
      optionalStep(read(step), call, { code: "SUGGESTION_SOURCE_UNAVAILABLE", message: `${what} are left out of the suggestions` }),
      RequestContext,
      own
    )
    return { step, answer } satisfies SourceAnswer<A>
  })

/**
 * Every downstream call GET /cart/suggestions makes, named as the trace names it
 * (`service.endpoint`) and run through the step runner.
 */
export const makeSuggestionSteps = (deps: SuggestionDeps) => ({
  /** 1. A 404 means the owner has no cart of this type: an answer, not a failure. */
  findCart: (scope: CartScope) =>
    runStep(read("cart.find"), deps.cart.find({ payload: { ...toOwnerRef(scope.owner), cart_type: scope.cartType } })).pipe(
      Effect.map(Option.some),
      Effect.catchIf(
        (error): error is ResourceNotFound => error instanceof ResourceNotFound,
        () => Effect.succeedNone
      )
    ),

  /** 2. */
  complementary: (productIds: ReadonlyArray<ProductId>) =>
    source(
      "recommendations.complementary",
      Effect.map(deps.recommendations.complementary({ payload: { product_ids: productIds } }), (r) => r.candidates),
      "Frequently bought together products"
    ),

  /** 3. */
  bundles: (productIds: ReadonlyArray<ProductId>) =>
    source(
      "marketing.bundlesApplicable",
      Effect.map(deps.marketing.bundlesApplicable({ payload: { product_ids: productIds } }), (r) => r.bundles),
      "Bundle deals"
    ),

  /** 4. */
  upsells: (productIds: ReadonlyArray<ProductId>) =>
    source(
      "recommendations.upsells",
      Effect.map(deps.recommendations.upsells({ payload: { product_ids: productIds } }), (r) => r.candidates),
      "Upgrades"
    ),

  /** 5. */
  thresholdOffers: (currentAmount: Minor) =>
    source(
      "marketing.thresholdOffers",
      Effect.map(deps.marketing.thresholdOffers({ payload: { current_amount: currentAmount } }), (r) => r.offers),
      "Free delivery offers"
    ),

  /** 6. */
  reminders: (customerId: CustomerId) =>
    source(
      "recommendations.reminders",
      Effect.map(deps.recommendations.reminders({ payload: { customer_id: customerId } }), (r) => r.candidates),
      "Wishlist and recently viewed reminders"
    ),

  /** 7. One search for every candidate of every source. */
  searchProducts: (productIds: ReadonlyArray<ProductId>) =>
    Effect.map(runStep(read("product.searchMany"), deps.product.searchMany({ payload: { product_ids: productIds } })), (r) => r.products),

  /** 8. */
  checkAvailability: (items: ReadonlyArray<StockLine>) =>
    Effect.map(runStep(read("inventory.checkAvailability"), deps.inventory.checkAvailability({ payload: { items } })), (r) => r.items)
})

export type SuggestionSteps = ReturnType<typeof makeSuggestionSteps>
