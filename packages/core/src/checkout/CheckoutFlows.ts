import { Context, Effect, Layer } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { resolveFlowDeps } from "../flows/FlowDeps.ts"
import { makeSteps } from "../flows/steps.ts"
import { codeOf, recordCheckout, tracedFlow } from "../observability/Telemetry.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { EventService } from "../services/Event.ts"
import { LoyaltyService } from "../services/Loyalty.ts"
import { NotificationService } from "../services/Notification.ts"
import { OrderService } from "../services/Order.ts"
import { CheckoutStore } from "../stores/CheckoutStore.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import { makeCheckoutSteps } from "./checkoutSteps.ts"
import { handleWebhook } from "./handleWebhook.ts"
import type { PaymentWebhook, WebhookResponse } from "./PaymentWebhook.ts"
import type { PlaceOrderRequest } from "./PlaceOrderRequest.ts"
import type { PlaceOrderResponse } from "./PlaceOrderResponse.ts"
import { placeOrder } from "./placeOrder.ts"

/** The checkout saga's two entry points: the customer placing the order, the gateway confirming it. */
export class CheckoutFlows extends Context.Service<
  CheckoutFlows,
  {
    readonly placeOrder: (
      input: CartScope & { readonly request: PlaceOrderRequest; readonly idempotencyKey: string }
    ) => Effect.Effect<PlaceOrderResponse, ApiError, RequestContext>
    readonly paymentWebhook: (event: PaymentWebhook) => Effect.Effect<WebhookResponse, ApiError, RequestContext>
  }
>()("orchestra/CheckoutFlows") {}

export const CheckoutFlowsLive = Layer.effect(
  CheckoutFlows,
  Effect.gen(function* () {
    const deps: CheckoutDeps = {
      ...(yield* resolveFlowDeps),
      order: yield* OrderService,
      loyalty: yield* LoyaltyService,
      notification: yield* NotificationService,
      event: yield* EventService,
      sagas: yield* CheckoutStore
    }
    const steps = makeCheckoutSteps(deps)
    const place = placeOrder(deps, makeSteps(deps), steps)
    const webhook = handleWebhook(deps, steps)
    return CheckoutFlows.of({
      // Outcomes for `/metrics`: the order's status (PENDING waits for a gateway), or the error code.
      placeOrder: tracedFlow("placeOrder", (input) =>
        place(input).pipe(
          Effect.tap((response) => recordCheckout("place_order", response.order.order_status)),
          Effect.tapError((error) => recordCheckout("place_order", codeOf(error)))
        )
      ),
      paymentWebhook: tracedFlow("paymentWebhook", (event) =>
        webhook(event).pipe(
          Effect.tap((response) => recordCheckout("webhook", response.duplicate ? "DUPLICATE" : (response.outcome ?? "ACCEPTED"))),
          Effect.tapError((error) => recordCheckout("webhook", codeOf(error)))
        )
      )
    })
  })
)
