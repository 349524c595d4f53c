import { Effect, Layer } from "effect"
import { tracedFlow } from "../observability/Telemetry.ts"
import { buyNow } from "./buyNow.ts"
import { CartFlows } from "./CartFlows.ts"
import { deleteCart } from "./deleteCart.ts"
import { resolveFlowDeps } from "./FlowDeps.ts"
import { getCached } from "./getCached.ts"
import { getFull } from "./getFull.ts"
import { itemsFull } from "./itemsFull.ts"
import { itemsLite } from "./itemsLite.ts"
import { mergeGuestCart } from "./mergeGuestCart.ts"
import { makeSteps } from "./steps.ts"
import { updateOptions } from "./updateOptions.ts"

/** The real cart flows over whichever downstream layers and cart cache the environment chose. */
export const CartFlowsLive = Layer.effect(
  CartFlows,
  Effect.gen(function* () {
    const deps = yield* resolveFlowDeps
    const steps = makeSteps(deps)
    // Each flow runs in its own span, `flow.<name>`, the parent of its steps' spans.
    return CartFlows.of({
      itemsFull: tracedFlow("itemsFull", itemsFull(steps)),
      itemsLite: tracedFlow("itemsLite", itemsLite(steps)),
      updateOptions: tracedFlow("updateOptions", updateOptions(deps, steps)),
      getFull: tracedFlow("getFull", getFull(deps, steps)),
      getCached: tracedFlow("getCached", getCached(deps, steps)),
      deleteCart: tracedFlow("deleteCart", deleteCart(deps, steps)),
      buyNow: tracedFlow("buyNow", buyNow(steps)),
      mergeGuestCart: tracedFlow("mergeGuestCart", mergeGuestCart(steps)),
      guestCartTouched: ({ guest }) => Effect.asVoid(steps.unsettleGuest(guest))
    })
  })
)
