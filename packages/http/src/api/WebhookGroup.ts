import { PaymentWebhook, WebhookResponse } from "@orchestra/core/checkout/PaymentWebhook"
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Error400, Error401, Error404, Error413, Error415, ServerErrors } from "./ErrorBody.ts"
import { RequestIdHeader } from "./Headers.ts"


export const WebhookGroup = HttpApiGroup.make("webhooks").add(
  HttpApiEndpoint.post("paymentWebhook", "/payments/webhooks/:gateway", {
    params: { gateway: Schema.String.annotate({ description: "phonepe or razorpay (case-insensitive)" }) },
    // The signature headers are the webhookSignature security scheme (DocumentCompletion.ts).
    headers: RequestIdHeader,
    payload: PaymentWebhook,
    success: WebhookResponse,
    error: [Error400, Error401, Error404, Error413, Error415, ...ServerErrors]
  })
    .annotate(OpenApi.Summary, "Payment gateway webhook")
    .annotate(
      OpenApi.Description,
      "Checkout phase 2's trigger. Each event_id is processed once (a repeat answers duplicate: true); an unknown gateway_order_id is 404 so the gateway retries; an amount that differs from the payment's holds the order for review; FAILED undoes the order."
    )
).annotate(
  OpenApi.Description,
  "Called by the payment gateways, not the API gateway: authenticated by the webhook signature, not identity headers."
)
