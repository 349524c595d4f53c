import { createHmac, timingSafeEqual } from "node:crypto"
import { MAX_CLOCK_SKEW_SECONDS } from "./GatewaySignature.ts"

/** The sandbox gateways' shared secret (DESIGN §6); live mode must configure its own. */
export const SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"

const hmac = (secret: string, timestamp: string, rawBody: string): Buffer =>
  createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest()

/** `x-webhook-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, as a gateway sends it. */
export const signWebhook = (secret: string, timestamp: number, rawBody: string) => ({
  "x-webhook-timestamp": String(timestamp),
  "x-webhook-signature": `sha256=${hmac(secret, String(timestamp), rawBody).toString("hex")}`
})

const signatureFormat = /^sha256=([0-9a-f]{64})$/

/**
 * Whether a webhook is the gateway's and fresh: the HMAC over the exact bytes received, compared
 * in constant time, and a timestamp within ±300 s of now (an old delivery could be a replay).
 */
export const verifyWebhook = (
  secret: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  rawBody: string,
  nowSeconds: number
): boolean => {
  const { timestamp, signature } = headers
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) return false
  const match = signatureFormat.exec(signature.trim().toLowerCase())
  if (match === null) return false
  return timingSafeEqual(Buffer.from(match[1]!, "hex"), hmac(secret, timestamp, rawBody))
}
