import { CheckoutFlows } from "@orchestra/core/checkout/CheckoutFlows"
import { PaymentWebhook } from "@orchestra/core/checkout/PaymentWebhook"
import { InvalidRequest, Unauthenticated } from "@orchestra/core/domain/Errors"
import { Clock, Config, Effect, Option, Redacted, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PublicApi } from "../api/PublicApi.ts"
import { ServerConfig } from "../config/ServerConfig.ts"
import { answerApiErrors } from "../errors/ErrorAnswer.ts"
import { issuesOfSchemaIssue, messageOf } from "../middleware/InvalidRequest.ts"
import { SANDBOX_WEBHOOK_SECRET, verifyWebhook } from "../middleware/WebhookSignature.ts"

const gateways = ["PHONEPE", "RAZORPAY"] as const
type WebhookGatewayName = (typeof gateways)[number]

/**
 * Each gateway's secret: `ORCHESTRA_WEBHOOK_SECRET_PHONEPE` / `_RAZORPAY`. The sandbox falls back
 * to the sandbox gateways' shared secret; live mode refuses to start without them.
 */
const loadSecrets = Effect.gen(function* () {
  const config = yield* ServerConfig
  const secrets = new Map<WebhookGatewayName, string>()
  for (const gateway of gateways) {
    const configured = yield* Config.option(Config.Redacted(`ORCHESTRA_WEBHOOK_SECRET_${gateway}`))
    if (Option.isSome(configured)) secrets.set(gateway, Redacted.value(configured.value))
    else if (config.mode === "sandbox") secrets.set(gateway, SANDBOX_WEBHOOK_SECRET)
    else return yield* Effect.die(`Live mode needs ORCHESTRA_WEBHOOK_SECRET_${gateway}`)
  }
  return secrets
})

// Fields a gateway adds beyond ours are ignored (DESIGN §6): the signature already covers the raw
// bytes, and refusing them would refuse every webhook of a gateway that extends its payload.
const decodeEvent = Schema.decodeUnknownEffect(Schema.fromJsonString(PaymentWebhook), { onExcessProperty: "ignore", errors: "all" })

/**
 * The gateway calls without identity headers; what proves it is the HMAC over the exact bytes it
 * sent, so the body is read raw, verified, and only then decoded.
 */
export const WebhookHandlers = HttpApiBuilder.group(PublicApi, "webhooks", (handlers) =>
  Effect.gen(function* () {
    const checkout = yield* CheckoutFlows
    const secrets = yield* loadSecrets
    return handlers.handleRaw("paymentWebhook", ({ params, request }) =>
      Effect.gen(function* () {
        const gateway = gateways.find((g) => g === params.gateway.toUpperCase())
        const secret = gateway === undefined ? undefined : secrets.get(gateway)
        const raw = yield* Effect.orDie(request.text)
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const signed =
          secret !== undefined &&
          verifyWebhook(
            secret,
            { timestamp: request.headers["x-webhook-timestamp"], signature: request.headers["x-webhook-signature"] },
            raw,
            now
          )
        if (!signed) {
          return yield* new Unauthenticated({ message: "Webhook signature or timestamp is invalid" })
        }
        const event = yield* decodeEvent(raw).pipe(
          Effect.mapError((error) => {
            const issues = issuesOfSchemaIssue(error.issue)
            return new InvalidRequest({ message: messageOf("Payload", issues), details: issues })
          })
        )
        return yield* checkout.paymentWebhook(event)
      }).pipe(answerApiErrors)
    )
  })
)
