import { Context, Effect, Layer } from "effect"
import type { ApiError } from "../domain/Errors.ts"
import { CurrencyConfig } from "../runtime/CurrencyConfig.ts"
import type { CartScope } from "../flows/CartFlows.ts"
import { makeSteps } from "../flows/steps.ts"
import type { RequestContext } from "../runtime/RequestContext.ts"
import { CartService } from "../services/Cart.ts"
import { CustomerService } from "../services/Customer.ts"
import { EventService } from "../services/Event.ts"
import { InventoryService } from "../services/Inventory.ts"
import { LoyaltyService } from "../services/Loyalty.ts"
import { MarketingService } from "../services/Marketing.ts"
import { NotificationService } from "../services/Notification.ts"
import { OrderService } from "../services/Order.ts"
import { PaymentService } from "../services/Payment.ts"
import { ProductService } from "../services/Product.ts"
import { SellerAdminService } from "../services/SellerAdmin.ts"
import { ShippingService } from "../services/Shipping.ts"
import { CartCache } from "../stores/CartCache.ts"
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
      cart: yield* CartService,
      product: yield* ProductService,
      inventory: yield* InventoryService,
      marketing: yield* MarketingService,
      sellerAdmin: yield* SellerAdminService,
      shipping: yield* ShippingService,
      customer: yield* CustomerService,
      payment: yield* PaymentService,
      order: yield* OrderService,
      loyalty: yield* LoyaltyService,
      notification: yield* NotificationService,
      event: yield* EventService,
      cache: yield* CartCache,
      sagas: yield* CheckoutStore,
      currency: yield* CurrencyConfig
    }
    const steps = makeCheckoutSteps(deps)
    return CheckoutFlows.of({
      placeOrder: placeOrder(deps, makeSteps(deps), steps),
      paymentWebhook: handleWebhook(deps, steps)
    })
  })
)
