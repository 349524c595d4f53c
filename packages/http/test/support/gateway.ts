import { Duration, Effect } from "effect"
import { signGatewayRequest } from "../../src/middleware/GatewaySignature.ts"
import { signWebhook } from "../../src/middleware/WebhookSignature.ts"
import { send } from "./server.ts"

/** The secrets the live-mode orchestrator processes of the process tests are started with. */
export const GATEWAY_SECRET = "process-test-gateway-secret"
export const WEBHOOK_SECRET = "process-test-webhook-secret"

/** Live mode's secrets, as the process tests start their orchestrators. */
export const liveSecrets = {
  ORCHESTRA_GATEWAY_SECRET: GATEWAY_SECRET,
  ORCHESTRA_WEBHOOK_SECRET_PHONEPE: WEBHOOK_SECRET,
  ORCHESTRA_WEBHOOK_SECRET_RAZORPAY: WEBHOOK_SECRET
}

export interface Shopper {
  readonly "x-domain-id": string
  readonly "x-customer-id": string
}

/** Whoever the gateway forwards a request for: a customer, a guest session, or a customer still carrying the session. */
export interface Caller {
  readonly "x-domain-id": string
  readonly "x-customer-id"?: string
  readonly "x-session-id"?: string
}

export const shopper = (prefix = "cust_process"): Shopper => ({ "x-domain-id": "dom_demo", "x-customer-id": `${prefix}_${crypto.randomUUID()}` })

/** A request as the gateway forwards it: identity headers plus the gateway's signature over them. */
export const call = (
  base: string,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  who: Caller,
  options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {}
) =>
  send(method, `${base}${path}`, {
    headers: {
      ...who,
      ...signGatewayRequest(GATEWAY_SECRET, {
        timestamp: Math.floor(Date.now() / 1000),
        method,
        path: path.split("?")[0]!,
        domainId: who["x-domain-id"],
        customerId: who["x-customer-id"],
        sessionId: who["x-session-id"]
      }),
      ...options.headers
    },
    ...(options.body === undefined ? {} : { body: options.body })
  })

/** A payment notice as the gateway sends it to `base`, signed. */
export const notifyPayment = (
  base: string,
  event: { readonly event_id: string; readonly gateway_order_id: string; readonly status: "SUCCESS" | "FAILED"; readonly amount: number }
) => {
  const raw = JSON.stringify({ ...event, currency: "INR" })
  return send("POST", `${base}/payments/webhooks/phonepe`, { headers: signWebhook(WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw), body: raw })
}

/**
 * Place-order with `key`, asked again as a client would until the checkout has its answer
 * (bounded): a checkout may answer 409 IDEMPOTENCY_IN_PROGRESS past the request's deadline, e.g.
 * while runners that just started share out the shards, or after its process died.
 */
export const answerOf = (base: string, who: Shopper, key: string, body: unknown) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 60; attempt++) {
      const answer = yield* call(base, "POST", "/cart/place-order", who, { body, headers: { "idempotency-key": key } })
      if (answer.status !== 409 || !answer.text.includes("IDEMPOTENCY_IN_PROGRESS")) return answer
      yield* Effect.sleep(Duration.seconds(Number(answer.headers["retry-after"] ?? "1")))
    }
    return yield* Effect.die(new Error("the checkout never answered"))
  })
