import { fingerprintOf, MAX_IDEMPOTENCY_KEY_LENGTH } from "@orchestra/core/domain/IdempotencyKey"
import { Context, Effect, Layer } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Error400 } from "../api/ErrorBody.ts"
import { errorBody } from "../errors/ErrorAnswer.ts"
import { IDEMPOTENCY_KEY_HEADER } from "./Idempotency.ts"

/** Place-order's client key and the digest of the request it came with. */
export class CheckoutKey extends Context.Service<CheckoutKey, { readonly key: string; readonly fingerprint: string }>()(
  "orchestra/http/CheckoutKey"
) {}

const invalid = (message: string) => Effect.flatMap(errorBody({ code: "INVALID_REQUEST", message }), Effect.fail)

/**
 * Place-order's `Idempotency-Key` (DESIGN §6): required (400 without it), and passed on with the
 * request's fingerprint. What the key already did is the checkout's business, not a store's at the
 * edge: the checkout workflow of that key holds its answer, so it is found there — even after a
 * crash, and with Redis down.
 */
export class RequiredCheckoutKey extends HttpApiMiddleware.Service<RequiredCheckoutKey, { provides: CheckoutKey }>()(
  "orchestra/http/RequiredCheckoutKey",
  { error: Error400 }
) {
  static readonly layer = Layer.succeed(RequiredCheckoutKey)((httpEffect) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const key = request.headers[IDEMPOTENCY_KEY_HEADER]
      if (key === undefined) return yield* invalid("Header Idempotency-Key is required on this endpoint")
      if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return yield* invalid(`Header Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
      }
      // Reading the body here caches it for the payload decoder; an oversized body fails as a 413 at the edge.
      const body = yield* Effect.orDie(request.text)
      return yield* Effect.provideService(httpEffect, CheckoutKey, { key, fingerprint: fingerprintOf(request.method, request.url, body) })
    })
  )
}
