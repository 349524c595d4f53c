import { Unauthenticated } from "@orchestra/core/domain/Errors"
import { CustomerId, DomainId, SessionId } from "@orchestra/core/domain/Ids"
import type { Owner } from "@orchestra/core/domain/Owner"
import { Clock, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { Headers } from "effect/http"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Error401 } from "../api/ErrorBody.ts"
import { ServerConfig } from "../config/ServerConfig.ts"
import { fromApiError } from "../errors/ErrorAnswer.ts"
import { CurrentOwner } from "./CurrentOwner.ts"
import { MAX_CLOCK_SKEW_SECONDS, verifyGatewaySignature } from "./GatewaySignature.ts"

const unauthenticated = (message: string) => new Unauthenticated({ message })

// An empty header is as good as none: proxies sometimes forward blank values.
const headerValue = (headers: Headers.Headers, name: string): string | undefined => {
  const value = headers[name]
  return value === undefined || value.length === 0 ? undefined : value
}

const idHeader = <S extends Schema.Decoder<string>>(schema: S, headers: Headers.Headers, name: string) => {
  const value = headerValue(headers, name)
  if (value === undefined) return Effect.succeedNone
  return Schema.decodeUnknownEffect(schema)(value).pipe(
    Effect.map(Option.some),
    Effect.mapError(() => unauthenticated(`Header ${name} is not a valid id (1-128 letters, digits, _ . : @ -)`))
  )
}

const UnixSeconds = Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{1,12}$/)))

const checkSignature = (secret: string, request: HttpServerRequest.HttpServerRequest, owner: {
  readonly domainId: string
  readonly customerId: string | undefined
  readonly sessionId: string | undefined
}) =>
  Effect.gen(function* () {
    const timestampHeader = headerValue(request.headers, "x-gateway-timestamp")
    const signature = headerValue(request.headers, "x-gateway-signature")
    if (timestampHeader === undefined) return yield* unauthenticated("Missing header x-gateway-timestamp")
    if (signature === undefined) return yield* unauthenticated("Missing header x-gateway-signature")
    if (!Schema.is(UnixSeconds)(timestampHeader)) {
      return yield* unauthenticated("Header x-gateway-timestamp must be unix seconds")
    }
    const timestamp = Number(timestampHeader)
    const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
      return yield* unauthenticated(`Header x-gateway-timestamp is more than ${MAX_CLOCK_SKEW_SECONDS} s from server time`)
    }
    const path = request.url.split("?")[0] ?? request.url
    const valid = verifyGatewaySignature(secret, { timestamp, method: request.method, path, ...owner }, signature)
    if (!valid) return yield* unauthenticated("Header x-gateway-signature does not match the request")
  })

/** Reads and checks the identity headers of DESIGN §3; the customer wins over the session. */
const authenticate = (request: HttpServerRequest.HttpServerRequest, secret: Option.Option<Redacted.Redacted<string>>) =>
  Effect.gen(function* () {
    const domainId = yield* idHeader(DomainId, request.headers, "x-domain-id")
    const customerId = yield* idHeader(CustomerId, request.headers, "x-customer-id")
    const sessionId = yield* idHeader(SessionId, request.headers, "x-session-id")
    if (Option.isNone(domainId)) return yield* unauthenticated("Missing header x-domain-id")
    const owner: Owner | undefined = Option.isSome(customerId)
      ? { _tag: "Customer", domainId: domainId.value, customerId: customerId.value }
      : Option.isSome(sessionId)
        ? { _tag: "Session", domainId: domainId.value, sessionId: sessionId.value }
        : undefined
    if (owner === undefined) return yield* unauthenticated("Missing header x-customer-id or x-session-id")
    if (Option.isSome(secret)) {
      // Both owner headers are signed as sent, even when the customer wins.
      yield* checkSignature(Redacted.value(secret.value), request, {
        domainId: domainId.value,
        customerId: Option.getOrUndefined(customerId),
        sessionId: Option.getOrUndefined(sessionId)
      })
    }
    return owner
  })

/**
 * The gateway's identity headers, checked on every cart endpoint before anything else (a bad
 * body from an unknown caller is a 401, not a 400). Provides the `CurrentOwner`.
 */
export class Identity extends HttpApiMiddleware.Service<Identity, { provides: CurrentOwner }>()("orchestra/http/Identity", {
  error: Error401
}) {
  static readonly layer = Layer.effect(
    Identity,
    Effect.gen(function* () {
      const config = yield* ServerConfig
      return Identity.of((httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const owner: Owner = yield* authenticate(request, config.gatewaySecret).pipe(
            Effect.catch((error) => Effect.flatMap(fromApiError(error), Effect.fail))
          )
          return yield* Effect.provideService(httpEffect, CurrentOwner, owner)
        })
      )
    })
  )
}
