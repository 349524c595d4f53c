import { createHmac, timingSafeEqual } from "node:crypto"

/** How far the gateway's clock may be from ours. */
export const MAX_CLOCK_SKEW_SECONDS = 300

export interface GatewayRequest {
  /** Unix seconds. */
  readonly timestamp: number
  readonly method: string
  /** The path without the query string. */
  readonly path: string
  readonly domainId: string
  readonly customerId?: string | undefined
  readonly sessionId?: string | undefined
}

const canonical = (request: GatewayRequest): string =>
  [
    String(request.timestamp),
    request.method.toUpperCase(),
    request.path,
    request.domainId,
    request.customerId ?? "",
    request.sessionId ?? ""
  ].join("\n")

const hmac = (secret: string, request: GatewayRequest): Buffer =>
  createHmac("sha256", secret).update(canonical(request)).digest()

/** How the gateway signs, for the documents (OpenAPI security scheme, Postman pre-request script). */
export const GATEWAY_SIGNATURE_FORMAT =
  'x-gateway-signature: v1=<hex HMAC-SHA256(secret, "<x-gateway-timestamp>\\n<METHOD>\\n<path without query>\\n<x-domain-id>\\n<x-customer-id or empty>\\n<x-session-id or empty>")>'

/** The headers the gateway adds to a request it forwards: `x-gateway-timestamp` and `x-gateway-signature` (GATEWAY_SIGNATURE_FORMAT). */
export const signGatewayRequest = (
  secret: string,
  request: GatewayRequest
): { readonly "x-gateway-timestamp": string; readonly "x-gateway-signature": string } => ({
  "x-gateway-timestamp": String(request.timestamp),
  "x-gateway-signature": `v1=${hmac(secret, request).toString("hex")}`
})

const signatureFormat = /^v1=([0-9a-f]{64})$/

/** Compares in constant time, so a forger learns nothing from how long a rejection takes. */
export const verifyGatewaySignature = (secret: string, request: GatewayRequest, signature: string): boolean => {
  const match = signatureFormat.exec(signature.trim().toLowerCase())
  if (match === null) return false
  return timingSafeEqual(Buffer.from(match[1]!, "hex"), hmac(secret, request))
}
