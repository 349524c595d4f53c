import { Effect, Layer } from "effect"
import { buyNow } from "./buyNow.ts"
import { CartFlows } from "./CartFlows.ts"
import { deleteCart } from "./deleteCart.ts"
import { resolveFlowDeps } from "./FlowDeps.ts"
import { getCached } from "./getCached.ts"
import { getFull } from "./getFull.ts"
import { itemsFull } from "./itemsFull.ts"
import { itemsLite } from "./itemsLite.ts"
import { makeSteps } from "./steps.ts"
import { updateOptions } from "./updateOptions.ts"

/** The real cart flows over whichever downstream layers and cart cache the environment chose. */
export const CartFlowsLive = Layer.effect(
  CartFlows,
  Effect.gen(function* () {
    const deps = yield* resolveFlowDeps
    const steps = makeSteps(deps)
    return CartFlows.of({
      itemsFull: itemsFull(steps),
      itemsLite: itemsLite(steps),
      updateOptions: updateOptions(steps),
      getFull: getFull(deps, steps),
      getCached: getCached(deps, steps),
      deleteCart: deleteCart(deps, steps),
      buyNow: buyNow(steps)
    })
  })
)
