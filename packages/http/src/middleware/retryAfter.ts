import { Option, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import { ErrorBody } from "../api/ErrorBody.ts"
import { responseText } from "./responseText.ts"

/**
 * Seconds a client should wait before sending an answer's request again, by error code. A cart is
 * locked for one request at a time (or its lock store is briefly slow): a second is enough to find
 * it free, and a client that waits it out spares the server a burst of retries.
 */
const retryAfterSeconds: ReadonlyMap<string, number> = new Map([["CART_BUSY", 1]])

const decodeErrorBody = Schema.decodeUnknownOption(Schema.fromJsonString(ErrorBody))

/** Adds `Retry-After` to the error answers whose code says "try again shortly". */
export const withRetryAfter = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  // Only errors carry such codes; a success is never read here.
  if (response.status < 400) return response
  const text = responseText(response)
  const seconds = Option.flatMap(Option.fromUndefinedOr(text), decodeErrorBody).pipe(
    Option.flatMap((body) => Option.fromUndefinedOr(retryAfterSeconds.get(body.error.code)))
  )
  return Option.match(seconds, {
    onNone: () => response,
    onSome: (after) => HttpServerResponse.setHeader(response, "retry-after", String(after))
  })
}
