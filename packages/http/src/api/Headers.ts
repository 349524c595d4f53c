import { MAX_IDEMPOTENCY_KEY_LENGTH } from "@orchestra/core/domain/IdempotencyKey"
import { IdString } from "@orchestra/core/domain/Ids"
import { Schema } from "effect"

/**
 * The request headers, declared for the OpenAPI document with what the middleware enforces.
 * Identity and idempotency headers are checked by their middleware before decoding, with 401/400
 * answers that name the header; the gateway signature headers are the `gatewaySignature` security
 * scheme (see DocumentCompletion.ts), not parameters.
 */
const idHeader = (description: string, example: string) => IdString.annotate({ description, examples: [example] })

const IdempotencyKey = Schema.String.pipe(
  Schema.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_IDEMPOTENCY_KEY_LENGTH))
).annotate({
  description: `1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters, scoped to the owner and kept 24 h: the same key with the same request replays the stored answer (header idempotent-replayed: true), with another request is a 422 IDEMPOTENCY_KEY_REUSED, while the first still runs a 409 IDEMPOTENCY_IN_PROGRESS.`,
  examples: ["9b2f6c1e-5d1a-4f0e-8a57-3c2d1e0f9a10"]
})

export const RequestIdHeader = {
  // Not a pattern check: a request id that does not match is replaced, never refused.
  "x-request-id": Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Correlation id, 1-128 of letters, digits and . _ : @ / + = -; any other value is replaced by a generated one. Echoed on every response.",
      examples: ["req-7f3a9c"]
    })
  )
}

export const IdentityHeaders = {
  ...RequestIdHeader,
  "x-domain-id": idHeader("Tenant id. Required (401 without it).", "dom_demo"),
  "x-customer-id": Schema.optionalKey(
    idHeader(
      "Signed-in customer id. One of x-customer-id / x-session-id is required (401 without either); the customer wins when both are sent.",
      "cust_1"
    )
  ),
  "x-session-id": Schema.optionalKey(idHeader("Guest session id, for a guest's cart.", "sess_guest_42")),
  "x-debug-trace": Schema.optionalKey(
    Schema.String.annotate({
      description:
        "`1` adds the downstream step trace (`trace`) to the response when the server runs with ORCHESTRA_DEBUG_TRACE=true; any other value adds nothing.",
      examples: ["0"]
    })
  )
}

export const MutationHeaders = {
  ...IdentityHeaders,
  "idempotency-key": Schema.optionalKey(IdempotencyKey)
}

/** Place-order's key is required (DESIGN §3): a checkout retried without one could charge twice. */
export const PlaceOrderHeaders = {
  ...IdentityHeaders,
  "idempotency-key": IdempotencyKey
}
