import { ApiErrors } from "@orchestra/core/domain/Errors"
import { Schema } from "effect"

/** Codes only the HTTP edge answers: no such route, a body type we do not read, an unexpected failure. */
export const edgeErrorStatus = {
  NOT_FOUND: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500
} as const

const ErrorClassAnnotations = Schema.Struct({ identifier: Schema.String, httpApiStatus: Schema.Int })

/**
 * Every wire code with its HTTP status. The flow errors' statuses are read from the core error
 * classes, so the public contract and core cannot disagree.
 */
export const statusOfCode: ReadonlyMap<string, number> = new Map([
  ...ApiErrors.map((errorClass) => {
    const { identifier, httpApiStatus } = Schema.decodeUnknownSync(ErrorClassAnnotations)(errorClass.ast.annotations)
    return [identifier, httpApiStatus] as const
  }),
  ...Object.entries(edgeErrorStatus)
])

const ErrorFields = {
  success: Schema.Literal(false),
  request_id: Schema.String.annotate({ description: "The request's `x-request-id`, taken from the request or generated" })
}

const detailFields = {
  message: Schema.String.annotate({ description: "What went wrong, for a person; INVALID_REQUEST names the first field" }),
  service: Schema.optionalKey(Schema.String).annotate({
    description: "The downstream service, on DOWNSTREAM_* and DEADLINE_EXCEEDED"
  }),
  details: Schema.optionalKey(Schema.Unknown).annotate({
    description:
      "INVALID_REQUEST: one entry per problem, `{ path, message }`, path from the body or query root. CART_CHANGED: `{ totals }`, the fresh totals. OUT_OF_STOCK, PRICE_CHANGED, COUPON_INVALID: one entry per line or code. RATE_LIMITED: `{ limit, retry_after_s }`. CHECKOUT_PENDING: the pending order's id and payments."
  })
}

/** The one error shape every failure answers with. */
export const ErrorBody = Schema.Struct({
  ...ErrorFields,
  error: Schema.Struct({ code: Schema.String, ...detailFields })
})
export type ErrorBody = typeof ErrorBody.Type

const codesOf = (status: number) => [...statusOfCode].filter(([, s]) => s === status).map(([code]) => code)

const codeSchemaOf = (status: number) => {
  const codes = codesOf(status)
  // A one-member union documents as a lone `anyOf`; a single literal reads better.
  const [only] = codes
  return codes.length === 1 && only !== undefined ? Schema.Literal(only) : Schema.Literals(codes)
}

/**
 * The error body for one status, its `code` limited to that status' codes (also listed in the
 * description, for readers of the document). HttpApi encodes an error with the first declared
 * schema it matches, so the code alone picks the status.
 */
const bodyFor = (status: number, description: string) =>
  Schema.Struct({
    ...ErrorFields,
    error: Schema.Struct({ code: codeSchemaOf(status), ...detailFields })
  }).annotate({ identifier: `Error${status}`, description: `${description}: ${codesOf(status).join(", ")}`, httpApiStatus: status })

export const Error400 = bodyFor(400, "The request is malformed or breaks a limit; nothing was changed")
export const Error401 = bodyFor(401, "Identity headers or the gateway signature are missing or invalid")
export const Error404 = bodyFor(404, "No such route, no cart to change, or (webhook) no such gateway order")
export const Error409 = bodyFor(409, "The cart is busy, changed or has a checkout waiting for payment, or the idempotency key is still running")
export const Error413 = bodyFor(413, "The body is larger than 64 KiB")
export const Error415 = bodyFor(415, "The body is not JSON")
export const Error422 = bodyFor(422, "The request cannot be applied to this cart, or its idempotency key was used for another request")
export const Error429 = bodyFor(429, "An abuse limit of this owner was reached; nothing was applied. Retry after Retry-After seconds")
export const Error500 = bodyFor(500, "An unexpected failure; the request id is in the logs")
export const Error502 = bodyFor(502, "A downstream service failed")
export const Error503 = bodyFor(503, "A downstream service is unavailable, or the server is overloaded (retry after Retry-After seconds)")
export const Error504 = bodyFor(504, "A downstream service or the request deadline timed out")

/** What any request can answer besides success and its own 4xx: declared on each, so none is ever unencodable. */
export const ServerErrors = [Error500, Error502, Error503, Error504] as const

/** What any cart endpoint can answer besides success. */
export const CartErrors = [
  Error400,
  Error401,
  Error404,
  Error409,
  Error413,
  Error415,
  Error422,
  Error429,
  ...ServerErrors
] as const
