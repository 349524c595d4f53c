import { Context, Effect, Layer } from "effect"
import { WorkflowEngine } from "effect/workflow"
import type { ApiError } from "../domain/Errors.ts"
import { resolveFlowDeps } from "../flows/FlowDeps.ts"
import { codeOf, recordCheckout, tracedFlow } from "../observability/Telemetry.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { EventService } from "../services/Event.ts"
import { LoyaltyService } from "../services/Loyalty.ts"
import { NotificationService } from "../services/Notification.ts"
import { OrderService } from "../services/Order.ts"
import { CartLock } from "../stores/CartLock.ts"
import { CheckoutRegistry } from "../stores/CheckoutRegistry.ts"
import { CheckoutAdmission } from "./CheckoutAdmission.ts"
import type { CheckoutDeps } from "./CheckoutDeps.ts"
import { checkoutSaga } from "./checkoutSaga.ts"
import { makeCheckoutSteps } from "./checkoutSteps.ts"
import { CheckoutWorkflow } from "./CheckoutWorkflow.ts"
import { handleWebhook } from "./handleWebhook.ts"
import type { PaymentWebhook, WebhookResponse } from "./PaymentWebhook.ts"
import type { PlaceOrderResponse } from "./PlaceOrderResponse.ts"
import { type PlaceOrderInput, startCheckout } from "./startCheckout.ts"

/** The checkout's two entry points: the customer placing the order, the gateway confirming its payment. */
export class CheckoutFlows extends Context.Service<
  CheckoutFlows,
  {
    readonly placeOrder: (input: PlaceOrderInput) => Effect.Effect<PlaceOrderResponse, ApiError, RequestContext>
    readonly paymentWebhook: (event: PaymentWebhook) => Effect.Effect<WebhookResponse, ApiError, RequestContext>
  }
>()("orchestra/CheckoutFlows") {}

const resolveCheckoutDeps = Effect.gen(function* () {
  const deps: CheckoutDeps = {
    ...(yield* resolveFlowDeps),
    order: yield* OrderService,
    loyalty: yield* LoyaltyService,
    notification: yield* NotificationService,
    event: yield* EventService,
    registry: yield* CheckoutRegistry,
    lock: yield* CartLock
  }
  return deps
})

/** The saga registered with the engine: every runner can run (and resume) any checkout. */
export const CheckoutWorkflowLive = Layer.unwrap(Effect.map(resolveCheckoutDeps, (deps) => CheckoutWorkflow.toLayer(checkoutSaga(deps))))

/**
 * The checkout flows over the workflow engine; needs an engine with its registry
 * (`checkoutEngine`, which also gives the checkout admission) and the downstream services.
 */
export const CheckoutFlowsLive = Layer.effect(
  CheckoutFlows,
  Effect.gen(function* () {
    const deps = yield* resolveCheckoutDeps
    const engine = yield* WorkflowEngine.WorkflowEngine
    const place = startCheckout(deps.registry, deps.limits, yield* CheckoutAdmission)
    const webhook = handleWebhook(deps.registry, makeCheckoutSteps(deps))
    return CheckoutFlows.of({
      // Outcomes for `/metrics`: the order's status (PENDING waits for a gateway), or the error code.
      placeOrder: tracedFlow("placeOrder", (input) =>
        place(input).pipe(
          Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
          Effect.tap((response) => recordCheckout("place_order", response.order.order_status)),
          Effect.tapError((error) => recordCheckout("place_order", codeOf(error)))
        )
      ),
      paymentWebhook: tracedFlow("paymentWebhook", (event) =>
        webhook(event).pipe(
          Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
          Effect.tap((response) => recordCheckout("webhook", response.duplicate ? "DUPLICATE" : (response.outcome ?? "ACCEPTED"))),
          Effect.tapError((error) => recordCheckout("webhook", codeOf(error)))
        )
      )
    })
  })
).pipe(Layer.provideMerge(CheckoutWorkflowLive))
