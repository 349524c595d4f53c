import { fingerprintOf, keyScope, MAX_IDEMPOTENCY_KEY_LENGTH, REPLAYED_HEADER } from "@orchestra/core/domain/IdempotencyKey"
import { type BeginOutcome, IdempotencyStore, type StoredResponse } from "@orchestra/core/stores/IdempotencyStore"
import { Cause, Effect, Exit, Layer, Option, Schema } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Error400, Error409, Error422, ErrorBody, statusOfCode } from "../api/ErrorBody.ts"
import { errorBody } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "./CurrentOwner.ts"
import { responseContentType, responseText } from "./responseText.ts"

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key"


// Not stored, so a retry can succeed: the request never started (bad input, a busy cart, a limit) or we failed (5xx).
const retryableCodes = new Set(["INVALID_REQUEST", "PAYLOAD_TOO_LARGE", "CART_BUSY", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED"])
const isFinal = (status: number, code?: string) => status < 500 && (code === undefined || !retryableCodes.has(code))

const encodeErrorBody = Schema.encodeSync(Schema.fromJsonString(ErrorBody))
const isErrorBody = Schema.is(ErrorBody)

/** The response to keep for a finished request, or none when a retry must run it again. */
const storable = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>): Option.Option<StoredResponse> => {
  if (Exit.isSuccess(exit)) {
    const response = exit.value
    if (!isFinal(response.status)) return Option.none()
    const contentType = responseContentType(response)
    return Option.some({
      status: response.status,
      body: responseText(response) ?? "",
      headers: contentType === undefined ? {} : { "content-type": contentType }
    })
  }
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error) || !isErrorBody(error.value)) return Option.none()
  const body = error.value
  const status = statusOfCode.get(body.error.code) ?? 500
  if (!isFinal(status, body.error.code)) return Option.none()
  return Option.some({ status, body: encodeErrorBody(body), headers: { "content-type": "application/json" } })
}

const replay = (stored: StoredResponse) =>
  HttpServerResponse.text(stored.body, {
    status: stored.status,
    contentType: stored.headers["content-type"] ?? "application/json",
    headers: { [REPLAYED_HEADER]: "true" }
  })

const fail = (code: string, message: string) => Effect.flatMap(errorBody({ code, message }), Effect.fail)

/**
 * `Idempotency-Key` on a cart mutation: without a key, or without the store, the request runs
 * as usual (a degraded store is logged).
 */
const makeIdempotency = Effect.gen(function* () {
  const store = yield* IdempotencyStore
  const settle = (scope: string, key: string, fingerprint: string) => (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>) =>
    Option.match(storable(exit), {
      onNone: () => store.abandon(scope, key),
      onSome: (response) => store.complete(scope, key, fingerprint, response)
    }).pipe(Effect.catch((error) => Effect.logWarning("idempotency degraded: could not settle key", { error: error.message })))

  return <E>(httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const key = request.headers[IDEMPOTENCY_KEY_HEADER]
      if (key === undefined) return yield* httpEffect
      if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return yield* fail("INVALID_REQUEST", `Header Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
      }
      const scope = keyScope(yield* CurrentOwner)
      // Reading the body here caches it for the payload decoder; an oversized body fails as a 413 at the edge.
      const body = yield* Effect.orDie(request.text)
      const fingerprint = fingerprintOf(request.method, request.url, body)
      const outcome: BeginOutcome | undefined = yield* store.begin(scope, key, fingerprint).pipe(
        Effect.catch((error) => Effect.as(Effect.logWarning("idempotency degraded: running without the key", { error: error.message }), undefined))
      )
      if (outcome === undefined) return yield* httpEffect
      switch (outcome._tag) {
        case "Completed":
          return replay(outcome.response)
        case "Mismatch":
          return yield* fail("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request")
        case "InProgress":
          return yield* fail("IDEMPOTENCY_IN_PROGRESS", "A request with this Idempotency-Key is still running")
        case "Started":
          return yield* Effect.onExit(httpEffect, settle(scope, key, fingerprint))
      }
    })
})

/**
 * `Idempotency-Key` on a mutation: the first request with a key runs and its answer is kept 24 h;
 * the same key with the same request replays that answer, with another request is a 422, and
 * while the first still runs is a 409. Sits inside Identity (the key is scoped to the owner) and
 * outside the cart lock, so a duplicate never waits for the lock of the request it duplicates.
 * Place-order's key is the checkout workflow's (`RequiredCheckoutKey`).
 */
export class Idempotency extends HttpApiMiddleware.Service<Idempotency, { requires: CurrentOwner }>()(
  "orchestra/http/Idempotency",
  { error: [Error400, Error409, Error422] }
) {
  static readonly layer = Layer.effect(Idempotency, Effect.map(makeIdempotency, (middleware) => Idempotency.of(middleware)))
}
