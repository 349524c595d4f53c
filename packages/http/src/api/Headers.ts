import { Schema } from "effect"

/**
 * The request headers, declared for the OpenAPI document. Identity and idempotency headers are
 * checked by their middleware before decoding, with 401/400 answers that name the header, so
 * these schemas only describe them.
 */
const optionalHeader = (description: string) => Schema.optionalKey(Schema.String.annotate({ description }))

export const RequestIdHeader = {
  "x-request-id": optionalHeader("Correlation id (≤ 128 printable chars); generated when absent, echoed on every response")
}

export const IdentityHeaders = {
  ...RequestIdHeader,
  "x-domain-id": Schema.String.annotate({ description: "Tenant id (≤ 128 chars). Required." }),
  "x-customer-id": optionalHeader("Signed-in customer id (≤ 128 chars). One of x-customer-id / x-session-id is required; the customer wins when both are sent."),
  "x-session-id": optionalHeader("Guest session id (≤ 128 chars)."),
  "x-gateway-timestamp": optionalHeader("Unix seconds, within ±300 s of server time. Required when the server has a gateway secret."),
  "x-gateway-signature": optionalHeader(
    'v1=<hex HMAC-SHA256(secret, "<timestamp>\\n<METHOD>\\n<path>\\n<domain>\\n<customer or empty>\\n<session or empty>")>, path without the query. Required when the server has a gateway secret.'
  ),
  "x-debug-trace": optionalHeader("`1` adds the downstream step trace to the response when the server runs with ORCHESTRA_DEBUG_TRACE=true.")
}

export const MutationHeaders = {
  ...IdentityHeaders,
  "idempotency-key": optionalHeader(
    "≤ 255 chars, scoped to the owner and kept 24 h: the same key with the same request replays the stored answer (header idempotent-replayed: true), with another request is a 422, while the first still runs a 409."
  )
}
